package io.posduif.functions.auth;

import io.micronaut.security.authentication.Authentication;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.tenant.TenantId;
import io.posduif.protocol.ErrorCode;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The authenticated principal of a request.
 *
 * <p>This is the only place a request's tenant comes from: the {@code tenant} claim of a token
 * we signed. Controllers take a {@code Caller} parameter (bound by {@link CallerBinder}) and
 * pass {@link #tenant()} down; nothing reads a tenant from headers, paths or bodies.
 */
public record Caller(TenantId tenant, Kind kind, UUID userId, String deviceId, Set<String> roles)
        implements java.security.Principal {

    /**
     * The user id. Being a {@link java.security.Principal} is what tells the OpenAPI generator that
     * a {@code Caller} parameter is bound from the token, not read from the query or body.
     */
    @Override
    public String getName() {
        return String.valueOf(userId);
    }

    public enum Kind { WEB, DEVICE }

    public static final String ROLE_ADMIN = "admin";
    public static final String ROLE_WEB = "web";
    public static final String ROLE_DEVICE = "device";

    public boolean isAdmin() {
        return kind == Kind.WEB && roles.contains(ROLE_ADMIN);
    }

    public Caller requireWeb() {
        if (kind != Kind.WEB) {
            throw new ApiException(ErrorCode.WRONG_TOKEN_TYPE, "this endpoint needs a web user token");
        }
        return this;
    }

    public Caller requireDevice() {
        if (kind != Kind.DEVICE) {
            throw new ApiException(ErrorCode.WRONG_TOKEN_TYPE, "this endpoint needs a device token");
        }
        return this;
    }

    public Caller requireAdmin() {
        if (!isAdmin()) {
            throw new ApiException(ErrorCode.FORBIDDEN, "this endpoint needs the admin role");
        }
        return this;
    }

    /** Builds the caller from validated token claims; anything missing means the token is not ours. */
    static Caller from(Authentication auth) {
        Map<String, Object> a = auth.getAttributes();
        Object tenant = a.get(TokenIssuer.CLAIM_TENANT);
        Object typ = a.get(TokenIssuer.CLAIM_TYPE);
        if (!(tenant instanceof String t) || !TenantId.isValid(t) || !(typ instanceof String ty)) {
            throw new ApiException(ErrorCode.UNAUTHORIZED, "token lacks tenant or type");
        }
        UUID userId;
        try {
            userId = UUID.fromString(auth.getName());
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.UNAUTHORIZED, "token subject is not a user id");
        }
        Collection<String> roles = auth.getRoles();
        return switch (ty) {
            case TokenIssuer.TYPE_WEB -> new Caller(new TenantId(t), Kind.WEB, userId, null, Set.copyOf(roles));
            case TokenIssuer.TYPE_DEVICE -> {
                if (!(a.get(TokenIssuer.CLAIM_DEVICE_ID) instanceof String d) || d.isBlank()) {
                    throw new ApiException(ErrorCode.UNAUTHORIZED, "device token lacks device_id");
                }
                yield new Caller(new TenantId(t), Kind.DEVICE, userId, d, Set.copyOf(roles));
            }
            default -> throw new ApiException(ErrorCode.UNAUTHORIZED, "unknown token type");
        };
    }
}

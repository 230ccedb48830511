package io.posduif.functions.auth;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.nimbusds.jwt.JWTClaimsSet;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.tenant.TenantId;
import io.posduif.functions.tenant.Tenants;
import io.posduif.protocol.ErrorCode;

import java.text.ParseException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Web user sign-in: password, refresh and OIDC ID token.
 *
 * <p>These calls carry no token, so the tenant comes from the body ({@code tenant}, defaulting
 * to {@code posduif.default-tenant}: production runs one tenant per stack) or, for refresh,
 * from the refresh token itself. Either way it only selects where to look; the credential is
 * verified inside that tenant.
 */
@Controller("/api/auth")
@Secured(SecurityRule.IS_ANONYMOUS)
@ExecuteOn(TaskExecutors.BLOCKING)
class AuthController {

    private final WebUsers users;
    private final RefreshTokens refreshTokens;
    private final TokenIssuer tokens;
    private final RateLimiter rateLimiter;
    private final OidcVerifier oidc;
    private final Tenants tenants;
    private final String defaultTenant;

    AuthController(WebUsers users, RefreshTokens refreshTokens, TokenIssuer tokens, RateLimiter rateLimiter,
                   OidcVerifier oidc, Tenants tenants, @Value("${posduif.default-tenant:demo}") String defaultTenant) {
        this.users = users;
        this.refreshTokens = refreshTokens;
        this.tokens = tokens;
        this.rateLimiter = rateLimiter;
        this.oidc = oidc;
        this.tenants = tenants;
        this.defaultTenant = defaultTenant;
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record LoginRequest(@Nullable String username, @Nullable String password, @Nullable String tenant) {
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record RefreshRequest(@Nullable String refreshToken) {
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record OidcRequest(@Nullable String idToken, @Nullable String tenant) {
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record UserView(UUID id, String username, String userType, @JsonInclude(JsonInclude.Include.ALWAYS) List<String> roles) {
    }

    /** Seed shape {@code {token, user, expires_in}} plus our {@code refresh_token} and {@code tenant_id}. */
    @Serdeable(naming = SnakeCaseStrategy.class)
    record LoginResponse(String token, UserView user, long expiresIn, String refreshToken, String tenantId) {
    }

    @Post("/login")
    LoginResponse login(HttpRequest<?> request, @Body LoginRequest body) {
        String tenant = body.tenant() == null || body.tenant().isBlank() ? defaultTenant : body.tenant();
        rateLimiter.check(RateLimiter.Action.LOGIN, request, TenantId.isValid(tenant) ? tenant : null);
        if (body.username() == null || body.password() == null) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "username and password are required");
        }
        if (!TenantId.isValid(tenant)) {
            throw new ApiException(ErrorCode.INVALID_CREDENTIALS, "invalid username or password");
        }
        TenantId id = new TenantId(tenant);
        WebUsers.WebUser user = users.authenticate(id, body.username(), body.password())
                .orElseThrow(() -> new ApiException(ErrorCode.INVALID_CREDENTIALS, "invalid username or password"));
        return respond(id, user);
    }

    @Post("/refresh")
    LoginResponse refresh(HttpRequest<?> request, @Body RefreshRequest body) {
        RefreshTokens.Rotated rotated = refreshTokens.rotate(body.refreshToken())
                .orElseThrow(() -> new ApiException(ErrorCode.INVALID_REFRESH_TOKEN, "refresh token is unknown, expired or already used"));
        WebUsers.WebUser user = users.find(rotated.tenant(), rotated.userId())
                .orElseThrow(() -> new ApiException(ErrorCode.INVALID_REFRESH_TOKEN, "user no longer exists"));
        TokenIssuer.Issued access = tokens.webToken(rotated.tenant(), user.id(), user.roles());
        return new LoginResponse(access.token(), view(user), access.expiresIn(), rotated.refreshToken(), rotated.tenant().value());
    }

    @Post("/oidc")
    LoginResponse oidc(HttpRequest<?> request, @Body OidcRequest body) {
        String tenant = body.tenant() == null || body.tenant().isBlank() ? defaultTenant : body.tenant();
        rateLimiter.check(RateLimiter.Action.LOGIN, request, TenantId.isValid(tenant) ? tenant : null);
        if (!oidc.enabled()) {
            throw new ApiException(ErrorCode.NOT_FOUND, "OIDC login is not configured");
        }
        if (body.idToken() == null || body.idToken().isBlank()) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "id_token is required", Map.of("field", "id_token"));
        }
        JWTClaimsSet claims = oidc.verify(body.idToken())
                .orElseThrow(() -> new ApiException(ErrorCode.INVALID_CREDENTIALS, "ID token is not valid"));
        if (!TenantId.isValid(tenant) || !tenants.exists(tenant)) {
            throw new ApiException(ErrorCode.INVALID_CREDENTIALS, "ID token is not valid for this tenant");
        }
        TenantId id = new TenantId(tenant);
        String preferred = null;
        try {
            preferred = claims.getStringClaim("email");
        } catch (ParseException ignored) {
            // a non-string email claim: fall back to the subject
        }
        WebUsers.WebUser user = users.findOrCreateOidc(id, oidc.issuer() + "|" + claims.getSubject(), preferred);
        return respond(id, user);
    }

    private LoginResponse respond(TenantId tenant, WebUsers.WebUser user) {
        TokenIssuer.Issued access = tokens.webToken(tenant, user.id(), user.roles());
        return new LoginResponse(access.token(), view(user), access.expiresIn(), refreshTokens.issue(tenant, user.id()), tenant.value());
    }

    private static UserView view(WebUsers.WebUser user) {
        return new UserView(user.id(), user.username(), "web", user.roles());
    }
}

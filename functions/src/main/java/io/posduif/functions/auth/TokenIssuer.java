package io.posduif.functions.auth;

import io.micronaut.security.token.generator.TokenGenerator;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Singleton;

import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Mints access tokens for web users and devices.
 *
 * <p>The two kinds differ in {@code typ} and {@code aud} so that {@link TypedTokenClaimsValidator}
 * and the endpoints' roles can tell them apart: a device token must never open a web endpoint,
 * nor the other way round.
 */
@Singleton
public class TokenIssuer {

    public static final String CLAIM_TENANT = "tenant";
    public static final String CLAIM_TYPE = "typ";
    public static final String CLAIM_DEVICE_ID = "device_id";
    public static final String CLAIM_ROLES = "roles";
    public static final String TYPE_WEB = "web";
    public static final String TYPE_DEVICE = "device";
    public static final String AUDIENCE_WEB = "posduif-web";
    public static final String AUDIENCE_DEVICE = "posduif-device";

    private final TokenGenerator generator;
    private final AuthConfig config;

    TokenIssuer(TokenGenerator generator, AuthConfig config) {
        this.generator = generator;
        this.config = config;
    }

    /** An issued token and its lifetime in seconds (the seed's {@code expires_in}). */
    public record Issued(String token, long expiresIn) {
    }

    public Issued webToken(TenantId tenant, UUID userId, Collection<String> roles) {
        Map<String, Object> claims = base(tenant, userId, TYPE_WEB, AUDIENCE_WEB, config.webTokenTtl().toSeconds());
        claims.put(CLAIM_ROLES, List.copyOf(roles));
        return new Issued(sign(claims), config.webTokenTtl().toSeconds());
    }

    public Issued deviceToken(TenantId tenant, UUID userId, String deviceId) {
        Map<String, Object> claims = base(tenant, userId, TYPE_DEVICE, AUDIENCE_DEVICE, config.deviceTokenTtl().toSeconds());
        claims.put(CLAIM_ROLES, List.of(Caller.ROLE_DEVICE));
        claims.put(CLAIM_DEVICE_ID, deviceId);
        return new Issued(sign(claims), config.deviceTokenTtl().toSeconds());
    }

    private Map<String, Object> base(TenantId tenant, UUID userId, String type, String audience, long ttlSeconds) {
        long now = Instant.now().getEpochSecond();
        Map<String, Object> claims = new HashMap<>();
        claims.put("iss", config.issuer());
        claims.put("sub", userId.toString());
        claims.put("aud", audience);
        claims.put("iat", now);
        claims.put("nbf", now);
        claims.put("exp", now + ttlSeconds);
        // made per call, never at start-up: SnapStart must not freeze identifiers into the snapshot
        claims.put("jti", UUID.randomUUID().toString());
        claims.put(CLAIM_TYPE, type);
        claims.put(CLAIM_TENANT, tenant.value());
        return claims;
    }

    private String sign(Map<String, Object> claims) {
        return generator.generateToken(claims)
                .orElseThrow(() -> new IllegalStateException("no JWT signature configured"));
    }
}

package io.posduif.functions.auth;

import io.micronaut.security.token.Claims;
import io.micronaut.security.token.jwt.validator.GenericJwtClaimsValidator;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Singleton;

import java.util.Collection;
import java.util.List;

/**
 * Accepts only tokens we issued: our {@code iss}, a known {@code typ} whose {@code aud}
 * matches it, and a well-formed tenant. The signature and expiry are checked by
 * micronaut-security-jwt before this runs.
 *
 * <p>It must be a {@link GenericJwtClaimsValidator}: the JWT validator only collects those, and a
 * plain {@code JwtClaimsValidator} bean is silently ignored (it was, until a test noticed).
 */
@Singleton
final class TypedTokenClaimsValidator<T> implements GenericJwtClaimsValidator<T> {

    private final AuthConfig config;

    TypedTokenClaimsValidator(AuthConfig config) {
        this.config = config;
    }

    @Override
    public boolean validate(Claims claims, T request) {
        return acceptable(claims::get, config.issuer());
    }

    /**
     * The rule itself, also applied by {@link CallerBinder} to the authentication's attributes:
     * the framework's claim-validator wiring is not something a security property should rest on.
     */
    static boolean acceptable(java.util.function.Function<String, Object> claims, String issuer) {
        if (!issuer.equals(claims.apply("iss"))) {
            return false;
        }
        Object exp = claims.apply("exp");
        long expSeconds = exp instanceof java.util.Date d ? d.getTime() / 1000 : exp instanceof Number n ? n.longValue() : -1;
        if (expSeconds < 0 || expSeconds <= java.time.Instant.now().getEpochSecond()) {
            return false;
        }
        Object tenant = claims.apply(TokenIssuer.CLAIM_TENANT);
        if (!(tenant instanceof String t) || !TenantId.isValid(t)) {
            return false;
        }
        Object typ = claims.apply(TokenIssuer.CLAIM_TYPE);
        String expectedAudience;
        if (TokenIssuer.TYPE_WEB.equals(typ)) {
            expectedAudience = TokenIssuer.AUDIENCE_WEB;
        } else if (TokenIssuer.TYPE_DEVICE.equals(typ)) {
            expectedAudience = TokenIssuer.AUDIENCE_DEVICE;
        } else {
            return false;
        }
        Object aud = claims.apply("aud");
        Collection<?> audiences = aud instanceof Collection<?> c ? c : aud == null ? List.of() : List.of(aud);
        return audiences.size() == 1 && expectedAudience.equals(audiences.iterator().next());
    }
}

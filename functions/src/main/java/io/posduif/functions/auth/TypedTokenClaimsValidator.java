package io.posduif.functions.auth;

import io.micronaut.http.HttpRequest;
import io.micronaut.security.token.Claims;
import io.micronaut.security.token.jwt.validator.JwtClaimsValidator;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Singleton;

import java.util.Collection;
import java.util.List;

/**
 * Accepts only tokens we issued: our {@code iss}, a known {@code typ} whose {@code aud}
 * matches it, and a well-formed tenant. The signature and expiry are checked by
 * micronaut-security-jwt before this runs.
 */
@Singleton
final class TypedTokenClaimsValidator implements JwtClaimsValidator<HttpRequest<?>> {

    private final AuthConfig config;

    TypedTokenClaimsValidator(AuthConfig config) {
        this.config = config;
    }

    @Override
    public boolean validate(Claims claims, HttpRequest<?> request) {
        if (!config.issuer().equals(claims.get("iss"))) {
            return false;
        }
        Object tenant = claims.get(TokenIssuer.CLAIM_TENANT);
        if (!(tenant instanceof String t) || !TenantId.isValid(t)) {
            return false;
        }
        Object typ = claims.get(TokenIssuer.CLAIM_TYPE);
        String expectedAudience;
        if (TokenIssuer.TYPE_WEB.equals(typ)) {
            expectedAudience = TokenIssuer.AUDIENCE_WEB;
        } else if (TokenIssuer.TYPE_DEVICE.equals(typ)) {
            expectedAudience = TokenIssuer.AUDIENCE_DEVICE;
        } else {
            return false;
        }
        Object aud = claims.get("aud");
        Collection<?> audiences = aud instanceof Collection<?> c ? c : aud == null ? List.of() : List.of(aud);
        return audiences.size() == 1 && expectedAudience.equals(audiences.iterator().next());
    }
}

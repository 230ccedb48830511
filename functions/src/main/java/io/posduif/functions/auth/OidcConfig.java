package io.posduif.functions.auth;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * OIDC ID-token login (e.g. Google: issuer {@code https://accounts.google.com}, audience = the
 * OAuth client id, JWKS {@code https://www.googleapis.com/oauth2/v3/certs}). Off unless all
 * three of issuer, audience and JWKS URL are set.
 *
 * @param clockSkew tolerance for {@code exp}/{@code nbf}/{@code iat}
 * @param jwksCacheTtl how long fetched keys are trusted before refetching
 */
@ConfigurationProperties("posduif.auth.oidc")
public record OidcConfig(@Nullable String issuer,
                         @Nullable String audience,
                         @Nullable String jwksUrl,
                         @Bindable(defaultValue = "60s") Duration clockSkew,
                         @Bindable(defaultValue = "10m") Duration jwksCacheTtl) {

    boolean enabled() {
        return issuer != null && !issuer.isBlank() && audience != null && !audience.isBlank()
                && jwksUrl != null && !jwksUrl.isBlank();
    }
}

package io.posduif.functions.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies third-party OIDC ID tokens: signature by a key of the configured JWKS (RSA or EC
 * only, never {@code none} or HMAC, whose "key" would be public), issuer, audience and times.
 */
@Singleton
class OidcVerifier {

    private static final Set<JWSAlgorithm> ALLOWED = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512,
            JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);
    /** An unknown kid may mean the provider rotated keys; refetch, but not more often than this. */
    private static final Duration MIN_REFETCH = Duration.ofSeconds(30);

    private final OidcConfig config;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile JWKSet keys;
    private volatile Instant fetchedAt = Instant.EPOCH;

    OidcVerifier(OidcConfig config) {
        this.config = config;
    }

    boolean enabled() {
        return config.enabled();
    }

    String issuer() {
        return config.issuer();
    }

    /** Verified claims, or empty for any token we should not trust. */
    Optional<JWTClaimsSet> verify(String idToken) {
        if (idToken == null || idToken.length() > 16_384) {
            return Optional.empty();
        }
        try {
            SignedJWT jwt = SignedJWT.parse(idToken);
            if (!ALLOWED.contains(jwt.getHeader().getAlgorithm())) {
                return Optional.empty();
            }
            String kid = jwt.getHeader().getKeyID();
            Optional<JWK> key = findKey(kid, false);
            if (key.isEmpty()) {
                key = findKey(kid, true);
            }
            if (key.isEmpty() || !jwt.verify(verifierFor(key.get(), jwt.getHeader().getAlgorithm()))) {
                return Optional.empty();
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            return valid(claims) ? Optional.of(claims) : Optional.empty();
        } catch (ParseException | JOSEException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private boolean valid(JWTClaimsSet claims) {
        Instant now = Instant.now();
        Duration skew = config.clockSkew();
        Date exp = claims.getExpirationTime();
        Date nbf = claims.getNotBeforeTime();
        Date iat = claims.getIssueTime();
        List<String> aud = claims.getAudience();
        return config.issuer().equals(claims.getIssuer())
                && aud != null && aud.contains(config.audience())
                && claims.getSubject() != null && !claims.getSubject().isBlank()
                && exp != null && exp.toInstant().plus(skew).isAfter(now)
                && (nbf == null || !nbf.toInstant().minus(skew).isAfter(now))
                && (iat == null || !iat.toInstant().minus(skew).isAfter(now));
    }

    private JWSVerifier verifierFor(JWK key, JWSAlgorithm alg) throws JOSEException {
        if (key instanceof RSAKey rsa && JWSAlgorithm.Family.RSA.contains(alg)) {
            return new RSASSAVerifier(rsa.toRSAPublicKey());
        }
        if (key instanceof ECKey ec && JWSAlgorithm.Family.EC.contains(alg)) {
            return new ECDSAVerifier(ec.toECPublicKey());
        }
        throw new JOSEException("key type does not match alg");
    }

    private Optional<JWK> findKey(String kid, boolean refresh) {
        JWKSet set = keySet(refresh);
        if (set == null) {
            return Optional.empty();
        }
        if (kid == null) {
            return set.getKeys().size() == 1 ? Optional.of(set.getKeys().get(0)) : Optional.empty();
        }
        return Optional.ofNullable(set.getKeyByKeyId(kid));
    }

    private synchronized JWKSet keySet(boolean refresh) {
        Instant now = Instant.now();
        boolean stale = keys == null || fetchedAt.plus(config.jwksCacheTtl()).isBefore(now);
        boolean mayRefetch = fetchedAt.plus(MIN_REFETCH).isBefore(now);
        if (stale || (refresh && mayRefetch)) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(config.jwksUrl()))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    keys = JWKSet.parse(r.body());
                    fetchedAt = now;
                }
            } catch (IOException | ParseException e) {
                // keep the old keys; the token is refused if none of them fits
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return keys;
    }
}

package io.posduif.relay.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.micronaut.context.annotation.Value;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Validates access tokens exactly as functions does (TypedTokenClaimsValidator + Caller):
 * HS256 with the shared secret, unexpired, our {@code iss}, a {@code typ} whose {@code aud}
 * matches it, a well-formed tenant, a user id subject and, for devices, a {@code device_id}.
 *
 * <p>Duplicated rather than shared because the relay must not depend on the functions jar;
 * it is small and the rules are fixed by docs/protocol.md §1.
 */
@Singleton
public class TokenValidator {

    static final Pattern TENANT = Pattern.compile("[a-z][a-z0-9_]{0,39}");
    private static final long CLOCK_SKEW_MS = 30_000;

    private final MACVerifier verifier;
    private final String issuer;

    TokenValidator(@Value("${posduif.auth.jwt-secret}") String secret, @Value("${posduif.auth.issuer:posduif}") String issuer) {
        try {
            this.verifier = new MACVerifier(secret.getBytes(StandardCharsets.UTF_8));
        } catch (JOSEException e) {
            throw new IllegalStateException("posduif.auth.jwt-secret must be at least 32 bytes", e);
        }
        this.issuer = issuer;
    }

    /** Thrown for any token we do not accept; {@code code} is what the client sees. */
    public static final class Rejected extends Exception {
        private final ErrorCode code;

        Rejected(ErrorCode code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        public ErrorCode code() {
            return code;
        }
    }

    public Principal validate(String token) throws Rejected {
        if (token == null || token.isBlank()) {
            throw new Rejected(ErrorCode.UNAUTHORIZED, "a bearer token is required");
        }
        JWTClaimsSet c;
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier)) {
                throw new Rejected(ErrorCode.UNAUTHORIZED, "invalid token");
            }
            c = jwt.getJWTClaimsSet();
        } catch (ParseException | JOSEException | IllegalStateException e) {
            throw new Rejected(ErrorCode.UNAUTHORIZED, "invalid token");
        }
        long now = System.currentTimeMillis();
        Date exp = c.getExpirationTime();
        if (exp == null || exp.getTime() + CLOCK_SKEW_MS < now) {
            throw new Rejected(ErrorCode.UNAUTHORIZED, "token expired");
        }
        Date nbf = c.getNotBeforeTime();
        if (nbf != null && nbf.getTime() - CLOCK_SKEW_MS > now) {
            throw new Rejected(ErrorCode.UNAUTHORIZED, "token not yet valid");
        }
        if (!issuer.equals(c.getIssuer())) {
            throw new Rejected(ErrorCode.UNAUTHORIZED, "invalid token");
        }
        Object tenant = c.getClaim("tenant");
        if (!(tenant instanceof String t) || !TENANT.matcher(t).matches()) {
            throw new Rejected(ErrorCode.UNAUTHORIZED, "token lacks tenant");
        }
        Object typ = c.getClaim("typ");
        Principal.Kind kind;
        String expectedAudience;
        if ("web".equals(typ)) {
            kind = Principal.Kind.WEB;
            expectedAudience = "posduif-web";
        } else if ("device".equals(typ)) {
            kind = Principal.Kind.DEVICE;
            expectedAudience = "posduif-device";
        } else {
            throw new Rejected(ErrorCode.UNAUTHORIZED, "unknown token type");
        }
        List<String> aud = c.getAudience();
        if (aud == null || aud.size() != 1 || !expectedAudience.equals(aud.get(0))) {
            throw new Rejected(ErrorCode.UNAUTHORIZED, "invalid token audience");
        }
        String sub = c.getSubject();
        try {
            sub = UUID.fromString(sub).toString();
        } catch (RuntimeException e) {
            throw new Rejected(ErrorCode.UNAUTHORIZED, "token subject is not a user id");
        }
        String deviceId = null;
        if (kind == Principal.Kind.DEVICE) {
            if (!(c.getClaim("device_id") instanceof String d) || d.isBlank()) {
                throw new Rejected(ErrorCode.UNAUTHORIZED, "device token lacks device_id");
            }
            deviceId = d;
        }
        return new Principal(t, kind, sub, deviceId);
    }
}

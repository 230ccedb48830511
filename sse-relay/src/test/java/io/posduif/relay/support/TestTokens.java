package io.posduif.relay.support;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/** Tokens shaped exactly like functions' TokenIssuer makes them, plus broken ones for attacks. */
public final class TestTokens {

    public static final String SECRET = "posduif-local-development-secret-change-me-0123456789";

    private TestTokens() {
    }

    public static String web(String tenant, UUID user) {
        return sign(SECRET, b -> base(b, tenant, user, "web", "posduif-web").claim("roles", List.of("web")));
    }

    public static String device(String tenant, UUID user, String deviceId) {
        return sign(SECRET, b -> base(b, tenant, user, "device", "posduif-device").claim("roles", List.of("device")).claim("device_id", deviceId));
    }

    public static JWTClaimsSet.Builder base(JWTClaimsSet.Builder b, String tenant, UUID user, String typ, String aud) {
        long now = System.currentTimeMillis();
        return b.issuer("posduif").subject(user.toString()).audience(aud).issueTime(new Date(now)).notBeforeTime(new Date(now))
                .expirationTime(new Date(now + 900_000)).jwtID(UUID.randomUUID().toString()).claim("typ", typ).claim("tenant", tenant);
    }

    public static String sign(String secret, Consumer<JWTClaimsSet.Builder> claims) {
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder();
        claims.accept(b);
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), b.build());
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}

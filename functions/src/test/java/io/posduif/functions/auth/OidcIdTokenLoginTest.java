package io.posduif.functions.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.Api;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** A fake identity provider: an RSA key set generated here and served from a JDK HttpServer. */
@MicronautTest
class OidcIdTokenLoginTest extends StackTest {

    static final String ISSUER = "https://idp.test.example";
    static final String AUDIENCE = "posduif-client-id";

    @Inject
    @Client("/")
    HttpClient client;
    @Inject
    Fixtures fixtures;

    RSAKey key;
    RSAKey otherKey;
    HttpServer idp;
    Api api;
    TenantId tenant;

    @Override
    protected Map<String, String> extraProperties() {
        try {
            key = new RSAKeyGenerator(2048).keyID("k1").generate();
            otherKey = new RSAKeyGenerator(2048).keyID("k1").generate();
            idp = io.posduif.functions.support.FakeIdp.serve(key);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> p = new HashMap<>();
        p.put("posduif.rate-limit.enabled", "false");
        p.put("posduif.auth.oidc.issuer", ISSUER);
        p.put("posduif.auth.oidc.audience", AUDIENCE);
        p.put("posduif.auth.oidc.jwks-url", io.posduif.functions.support.FakeIdp.jwksUrl(idp));
        return p;
    }

    @BeforeAll
    void setUp() {
        api = new Api(client);
        tenant = fixtures.newTenant("oidc");
    }

    @AfterAll
    void stop() {
        idp.stop(0);
    }

    private String idToken(RSAKey signer, Consumer<JWTClaimsSet.Builder> tweak) throws Exception {
        long now = System.currentTimeMillis();
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject("1234567890")
                .claim("email", "ada@example.com").issueTime(new Date(now)).expirationTime(new Date(now + 300_000));
        tweak.accept(b);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signer.getKeyID()).build(), b.build());
        jwt.sign(new RSASSASigner(signer));
        return jwt.serialize();
    }

    private Api.Resp login(String idToken) {
        return api.post("/api/auth/oidc", Map.of("id_token", idToken, "tenant", tenant.value()), null);
    }

    @Test
    void firstLoginCreatesTheWebUserAndLaterLoginsFindIt() throws Exception {
        Api.Resp first = login(idToken(key, b -> { }));
        assertEquals(200, first.status(), first.toString());
        @SuppressWarnings("unchecked")
        Map<String, Object> user = (Map<String, Object>) first.body().get("user");
        assertEquals("ada@example.com", user.get("username"));
        assertEquals("web", user.get("user_type"));
        assertNotNull(first.str("refresh_token"));
        assertEquals(200, api.get("/api/users", first.str("token")).status());

        Api.Resp again = login(idToken(key, b -> b.claim("email", "renamed@example.com")));
        assertEquals(200, again.status());
        @SuppressWarnings("unchecked")
        Map<String, Object> same = (Map<String, Object>) again.body().get("user");
        assertEquals(user.get("id"), same.get("id"), "same subject, same user");
    }

    @Test
    void forgedOrForeignIdTokensAreInvalidCredentials() throws Exception {
        long now = System.currentTimeMillis();
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("wrong issuer", idToken(key, b -> b.issuer("https://evil.example")));
        bad.put("wrong audience", idToken(key, b -> b.audience("someone-elses-app")));
        bad.put("wrong key, same kid", idToken(otherKey, b -> { }));
        bad.put("expired", idToken(key, b -> b.issueTime(new Date(now - 3_600_000)).expirationTime(new Date(now - 600_000))));
        bad.put("not yet valid", idToken(key, b -> b.notBeforeTime(new Date(now + 600_000))));
        bad.put("no subject", idToken(key, b -> b.subject(null)));
        String valid = idToken(key, b -> b.subject("tamper"));
        String[] parts = valid.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("tamper", "victim");
        bad.put("tampered", parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2]);
        bad.put("alg none", Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
                + "." + parts[1] + ".");
        // HS256 "signed" with the public key's modulus: the classic RS/HS confusion
        SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(),
                new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject("x").expirationTime(new Date(now + 60_000)).build());
        hs.sign(new MACSigner(key.toPublicJWK().getModulus().decode()));
        bad.put("hs256 with public key", hs.serialize());
        bad.put("garbage", "not.a.jwt");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            Api.Resp r = login(e.getValue());
            assertEquals(401, r.status(), e.getKey() + ": " + r);
            assertEquals("INVALID_CREDENTIALS", r.code(), e.getKey());
        }
        assertEquals("INVALID_CREDENTIALS", api.post("/api/auth/oidc",
                Map.of("id_token", idToken(key, b -> { }), "tenant", "no_such_tenant"), null).code());
        assertEquals("VALIDATION_ERROR", api.post("/api/auth/oidc", Map.of("tenant", tenant.value()), null).code());
    }
}

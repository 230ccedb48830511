package io.posduif.functions.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.Api;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The attacker holds a token (or crafts one) and tries it where it must not work. */
@MicronautTest
class ForgedAndMisusedTokensAreRejectedTest extends StackTest {

    @Inject
    @Client("/")
    HttpClient client;
    @Inject
    Fixtures fixtures;
    @Value("${micronaut.security.token.jwt.signatures.secret.generator.secret}")
    String secret;

    Api api;
    TenantId tenant;
    Fixtures.User web;
    Fixtures.Device device;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.rate-limit.enabled", "false");
    }

    @BeforeAll
    void setUp() {
        api = new Api(client);
        tenant = fixtures.newTenant("atk");
        web = fixtures.webUser(tenant);
        device = fixtures.device(tenant, fixtures.mobileUser(tenant).id());
    }

    /** Claims exactly like a real web token of {@link #web}, signed with {@code key}, after {@code tweak}. */
    private String craft(String key, Consumer<JWTClaimsSet.Builder> tweak) throws Exception {
        long now = System.currentTimeMillis();
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder()
                .issuer("posduif").subject(web.id().toString()).audience("posduif-web")
                .issueTime(new Date(now)).notBeforeTime(new Date(now)).expirationTime(new Date(now + 600_000))
                .jwtID(UUID.randomUUID().toString())
                .claim("typ", "web").claim("tenant", tenant.value()).claim("roles", List.of("web"));
        tweak.accept(b);
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), b.build());
        jwt.sign(new MACSigner(key.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    private void assertUnauthorized(String token, String what) {
        for (String path : new String[]{"/api/users", "/api/devices", "/api/devices/me"}) {
            Api.Resp r = api.get(path, token);
            assertEquals(401, r.status(), what + " on " + path + ": " + r);
        }
        Api.Resp create = api.post("/api/enrollment/create", Map.of(), token);
        assertEquals(401, create.status(), what + ": " + create);
    }

    @Test
    void aCorrectlyCraftedTokenIsAcceptedSoTheNegativeCasesMeanSomething() throws Exception {
        assertEquals(200, api.get("/api/users", craft(secret, b -> { })).status());
    }

    @Inject
    io.micronaut.context.BeanContext beans;

    /** Endpoints guarded only by {@code @Secured(IS_AUTHENTICATED)} rely on the framework's validation alone. */
    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void theFrameworksTokenValidationItselfRefusesForeignIssuersAndAudiences() throws Exception {
        String good = craft(secret, b -> { });
        String wrongIssuer = craft(secret, b -> b.issuer("https://evil.example"));
        String wrongAudience = craft(secret, b -> b.audience("posduif-device"));
        int validators = 0;
        for (io.micronaut.security.token.validator.TokenValidator v : beans.getBeansOfType(io.micronaut.security.token.validator.TokenValidator.class)) {
            validators++;
            HttpRequest<?> req = HttpRequest.GET("/");
            assertEquals(1, count(v.validateToken(good, req)), "control");
            assertEquals(0, count(v.validateToken(wrongIssuer, req)), "issuer");
            assertEquals(0, count(v.validateToken(wrongAudience, req)), "audience");
        }
        assertEquals(true, validators > 0);
    }

    private static int count(org.reactivestreams.Publisher<?> p) {
        java.util.List<?> l = reactor.core.publisher.Flux.from(p).collectList().block();
        return l == null ? 0 : l.size();
    }

    @Test
    void algNoneIsRejected() throws Exception {
        String signed = craft(secret, b -> { });
        String payload = signed.split("\\.")[1];
        String header = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        assertUnauthorized(header + "." + payload + ".", "alg=none");
        assertUnauthorized(header + "." + payload + "." + signed.split("\\.")[2], "alg=none with a signature");
    }

    @Test
    void wrongKeyIsRejected() throws Exception {
        assertUnauthorized(craft("an-attacker-chosen-secret-that-is-long-enough-for-hs256", b -> { }), "wrong key");
    }

    @Test
    void wrongIssuerAudienceTypeOrExpiryIsRejected() throws Exception {
        assertUnauthorized(craft(secret, b -> b.issuer("https://evil.example")), "wrong issuer");
        assertUnauthorized(craft(secret, b -> b.audience("posduif-device")), "web typ with device audience");
        assertUnauthorized(craft(secret, b -> b.audience(List.of("posduif-web", "other"))), "extra audience");
        assertUnauthorized(craft(secret, b -> b.audience((String) null)), "no audience");
        assertUnauthorized(craft(secret, b -> b.claim("typ", "admin")), "unknown typ");
        assertUnauthorized(craft(secret, b -> b.expirationTime(new Date(System.currentTimeMillis() - 120_000))), "expired");
        assertUnauthorized(craft(secret, b -> b.claim("tenant", "no_such_tenant")), "tenant that does not exist");
        assertUnauthorized(craft(secret, b -> b.claim("tenant", "Bad Tenant")), "malformed tenant");
        assertUnauthorized(craft(secret, b -> b.subject("not-a-uuid")), "subject not a user id");
    }

    @Test
    void tamperedPayloadIsRejected() {
        String[] parts = web.token().split("\\.");
        String json = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"web\"]", "\"web\",\"admin\"]");
        String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertUnauthorized(forged, "payload with admin role added");
        Api.Resp r = api.post("/api/admin/users", Map.of("username", "x", "password", "password1"), forged);
        assertEquals(401, r.status());
    }

    @Test
    void deviceTokensOnWebEndpointsAndWebTokensOnDeviceEndpointsAreWrongTokenType() {
        for (String path : new String[]{"/api/users", "/api/devices"}) {
            Api.Resp r = api.get(path, device.token());
            assertEquals(401, r.status(), path);
            assertEquals("WRONG_TOKEN_TYPE", r.code(), path);
        }
        Api.Resp enroll = api.post("/api/enrollment/create", Map.of(), device.token());
        assertEquals("WRONG_TOKEN_TYPE", enroll.code());
        Api.Resp admin = api.post("/api/admin/users", Map.of("username", "x", "password", "password1"), device.token());
        assertEquals("WRONG_TOKEN_TYPE", admin.code());
        Api.Resp me = api.get("/api/devices/me", web.token());
        assertEquals(401, me.status());
        assertEquals("WRONG_TOKEN_TYPE", me.code());
    }

    @Test
    void deviceTokenWithWebTypeButDeviceAudienceIsRejected() throws Exception {
        // a device token re-labelled as web, signed with the real key, still has the device audience
        String relabelled = craft(secret, b -> b.audience("posduif-device").claim("device_id", device.deviceId()));
        assertUnauthorized(relabelled, "web typ, device aud");
    }

    @Test
    void xDeviceIdMustMatchTheToken() {
        Api.Resp ok = api.call(HttpRequest.GET("/api/devices/me").bearerAuth(device.token()).header("X-Device-ID", device.deviceId()));
        assertEquals(200, ok.status(), ok.toString());
        Api.Resp other = api.call(HttpRequest.GET("/api/devices/me").bearerAuth(device.token()).header("X-Device-ID", "someone-else"));
        assertEquals(401, other.status());
        assertEquals("DEVICE_MISMATCH", other.code());
        Api.Resp onWeb = api.call(HttpRequest.GET("/api/users").bearerAuth(web.token()).header("X-Device-ID", device.deviceId()));
        assertEquals("DEVICE_MISMATCH", onWeb.code(), "a web token has no device to match");
        Api.Resp headerOnly = api.call(HttpRequest.GET("/api/devices/me").header("X-Device-ID", device.deviceId()));
        assertEquals(401, headerOnly.status(), "the header alone is never a credential");
        assertEquals("UNAUTHORIZED", headerOnly.code());
    }

    @Test
    void webUserWithoutAdminRoleGets403OnAdminApi() {
        Api.Resp r = api.post("/api/admin/users", Map.of("username", "x", "password", "password1"), web.token());
        assertEquals(403, r.status());
        assertEquals("FORBIDDEN", r.code());
    }
}

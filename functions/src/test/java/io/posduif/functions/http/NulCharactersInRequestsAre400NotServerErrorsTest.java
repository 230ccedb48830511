package io.posduif.functions.http;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.schema.SchemaApplier;
import io.posduif.functions.schema.SchemaParser;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.RawHttp;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * JSON may carry U+0000 ({@code "\u0000"}), URLs may carry it ({@code %00}) and Java strings hold
 * it, but PostgreSQL {@code text}, {@code varchar} and {@code jsonb} cannot. Every endpoint that
 * takes client text toward PostgreSQL gets U+0000 in each of its inputs here: the answer must be
 * a 4xx in the wire error format with the expected code (never the 503 the database error would
 * become), and nothing may be written.
 */
@MicronautTest
class NulCharactersInRequestsAre400NotServerErrorsTest extends StackTest {

    static final String NUL = "\u0000";
    static final String OPERATOR = "operator-token-0123456789abcdef";
    static final String ISSUER = "https://idp.test.example";
    static final String AUDIENCE = "posduif-client-id";
    static final String SCHEMA = """
            tables:
              messages:
                sync: mobile-synced
                conflict: lww
                filter: sender_id = :user_id OR recipient_id = :user_id
                columns:
                  id:           { type: uuid, primary_key: true }
                  sender_id:    { type: uuid, nullable: false }
                  recipient_id: { type: uuid, nullable: false }
                  content:      { type: text, nullable: false }
                  status:       { type: text, nullable: false, default: pending_sync }
                  created_at:   { type: timestamp, nullable: false, default: now }
                  updated_at:   { type: timestamp, nullable: false, default: now }
                  synced_at:    { type: timestamp, server_owned: true }
                  read_at:      { type: timestamp }
              counts:
                sync: mobile-synced
                conflict: manual
                columns:
                  id:   { type: uuid, primary_key: true }
                  note: { type: text }
                  meta: { type: json }
              records:
                sync: web-only
                columns:
                  id:      { type: uuid, primary_key: true }
                  name:    { type: text }
                  details: { type: json }
              codes:
                sync: web-only
                columns:
                  code: { type: text, primary_key: true }
                  note: { type: text }
            """;

    @Inject
    EmbeddedServer server;
    @Inject
    Fixtures fixtures;
    @Inject
    SchemaApplier applier;
    @Inject
    JsonMapper json;

    RawHttp http;
    TenantId tenant;
    Fixtures.User web;
    Fixtures.User admin;
    Fixtures.User mobile;
    Fixtures.Device device;
    String enrollmentToken;
    UUID record = UUID.randomUUID();
    UUID conflict = UUID.randomUUID();
    UUID conflictRow = UUID.randomUUID();

    RSAKey idpKey;
    HttpServer idp;

    @Override
    protected Map<String, String> extraProperties() {
        try {
            idpKey = new RSAKeyGenerator(2048).keyID("k1").generate();
            idp = io.posduif.functions.support.FakeIdp.serve(idpKey);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> p = new HashMap<>();
        p.put("posduif.rate-limit.enabled", "false");
        p.put("posduif.admin.token", OPERATOR);
        p.put("posduif.auth.oidc.issuer", ISSUER);
        p.put("posduif.auth.oidc.audience", AUDIENCE);
        p.put("posduif.auth.oidc.jwks-url", io.posduif.functions.support.FakeIdp.jwksUrl(idp));
        return p;
    }

    @BeforeAll
    void setUp() throws Exception {
        http = new RawHttp(server.getURI());
        tenant = fixtures.newTenant("nul");
        applier.apply(tenant, SchemaParser.parse("nul.yaml", SCHEMA), false, "test");
        web = fixtures.webUser(tenant);
        admin = fixtures.webUser(tenant, "admin", "web");
        mobile = fixtures.mobileUser(tenant);
        device = fixtures.device(tenant, mobile.id());
        RawHttp.Response created = http.postJson("/api/enrollment/create", RawHttp.bearer(web.token()), "{}");
        assertEquals(200, created.status(), created.text());
        enrollmentToken = http.json(created).get("token").getStringValue();
        sql("INSERT INTO $S.records (id, name) VALUES ('" + record + "', 'plain')");
        sql("INSERT INTO $S.codes (code, note) VALUES ('a', 'plain')");
        sql("INSERT INTO $S.counts (id, note) VALUES ('" + conflictRow + "', 'server')");
        sql("INSERT INTO $S.posduif_conflicts (id, tbl, pk, op, device_id, user_id, op_id, client_ts, client_row, server_row) VALUES ('"
                + conflict + "', 'counts', '{\"id\":\"" + conflictRow + "\"}', 'upsert', '" + device.deviceId() + "', '" + mobile.id()
                + "', 'op-1', now(), '{\"id\":\"" + conflictRow + "\",\"note\":\"client\"}', '{\"id\":\"" + conflictRow + "\",\"note\":\"server\"}')");
    }

    @AfterAll
    void stopIdp() {
        idp.stop(0);
    }

    record Case(String name, String method, String path, Map<String, String> headers, String body, int status, String code) {
    }

    private List<Case> cases() throws Exception {
        Map<String, String> anon = Map.of("Content-Type", "application/json");
        Map<String, String> user = headers(web.token(), "application/json");
        Map<String, String> adm = headers(admin.token(), "application/json");
        Map<String, String> dev = headers(device.token(), "application/json");
        Map<String, String> operator = Map.of("Content-Type", "application/json", "Authorization", "Bearer " + OPERATOR);
        String t = tenant.value();
        String m = mobile.id().toString();
        List<Case> cs = new ArrayList<>();

        // messages
        cs.add(new Case("message content", "POST", "/api/messages", user, body("recipient_id", m, "content", "a" + NUL + "b"), 400, "VALIDATION_ERROR"));
        cs.add(new Case("message content only NUL", "POST", "/api/messages", user, body("recipient_id", m, "content", NUL), 400, "VALIDATION_ERROR"));
        cs.add(new Case("message recipient", "POST", "/api/messages", user, body("recipient_id", m + NUL, "content", "hi"), 400, "INVALID_RECIPIENT"));
        cs.add(new Case("messages ?status", "GET", "/api/messages?status=read%00", user, null, 400, "VALIDATION_ERROR"));
        cs.add(new Case("messages ?recipient_id", "GET", "/api/messages?recipient_id=%00", user, null, 400, "VALIDATION_ERROR"));
        cs.add(new Case("messages ?limit", "GET", "/api/messages?limit=1%00", user, null, 400, "VALIDATION_ERROR"));
        cs.add(new Case("message path id", "GET", "/api/messages/%00", user, null, 404, "NOT_FOUND"));
        cs.add(new Case("message read path id", "PUT", "/api/messages/" + UUID.randomUUID() + "%00/read", user, null, 404, "NOT_FOUND"));

        // tables API
        cs.add(new Case("row text value", "POST", "/api/tables/records/rows", user,
                body("id", UUID.randomUUID().toString(), "name", "a" + NUL + "b"), 400, "INVALID_VALUE"));
        cs.add(new Case("row json value", "POST", "/api/tables/records/rows", user,
                body("id", UUID.randomUUID().toString(), "details", Map.of("k", "a" + NUL + "b")), 400, "INVALID_VALUE"));
        cs.add(new Case("row json key", "POST", "/api/tables/records/rows", user,
                body("id", UUID.randomUUID().toString(), "details", Map.of("k" + NUL, 1)), 400, "INVALID_VALUE"));
        cs.add(new Case("row column name", "POST", "/api/tables/records/rows", user,
                body("id", UUID.randomUUID().toString(), "name" + NUL, "x"), 400, "UNKNOWN_COLUMN"));
        cs.add(new Case("row text pk", "POST", "/api/tables/codes/rows", user, body("code", "b" + NUL, "note", "x"), 400, "INVALID_VALUE"));
        cs.add(new Case("row update value", "PUT", "/api/tables/records/rows/" + record, user, body("name", NUL), 400, "INVALID_VALUE"));
        cs.add(new Case("row update json", "PUT", "/api/tables/records/rows/" + record, user, body("details", List.of(NUL)), 400, "INVALID_VALUE"));
        cs.add(new Case("row path uuid pk", "GET", "/api/tables/records/rows/%00", user, null, 400, "INVALID_VALUE"));
        cs.add(new Case("row path text pk", "GET", "/api/tables/codes/rows/a%00", user, null, 400, "INVALID_VALUE"));
        cs.add(new Case("row update path text pk", "PUT", "/api/tables/codes/rows/a%00", user, body("note", "x"), 400, "INVALID_VALUE"));
        cs.add(new Case("row delete path text pk", "DELETE", "/api/tables/codes/rows/a%00", user, null, 400, "INVALID_VALUE"));
        cs.add(new Case("table name", "GET", "/api/tables/records%00/rows", user, null, 404, "UNKNOWN_TABLE"));
        cs.add(new Case("where value", "GET", "/api/tables/codes/rows?where.note=a%00b", user, null, 400, "INVALID_VALUE"));
        cs.add(new Case("where like", "GET", "/api/tables/codes/rows?where.note.like=%25%00", user, null, 400, "INVALID_VALUE"));
        cs.add(new Case("where in", "GET", "/api/tables/codes/rows?where.code.in=a,%00", user, null, 400, "INVALID_VALUE"));
        cs.add(new Case("where ne", "GET", "/api/tables/codes/rows?where.code.ne=%00", user, null, 400, "INVALID_VALUE"));
        cs.add(new Case("where column", "GET", "/api/tables/codes/rows?where.no%00te=a", user, null, 400, "UNKNOWN_COLUMN"));
        cs.add(new Case("where operator", "GET", "/api/tables/codes/rows?where.note.e%00q=a", user, null, 400, "INVALID_VALUE"));
        cs.add(new Case("sort column", "GET", "/api/tables/codes/rows?sort=-no%00te", user, null, 400, "UNKNOWN_COLUMN"));
        cs.add(new Case("tables ?limit", "GET", "/api/tables/codes/rows?limit=%00", user, null, 400, "VALIDATION_ERROR"));

        // users
        cs.add(new Case("users ?filter", "GET", "/api/users?filter=mob%00", user, null, 400, "VALIDATION_ERROR"));
        cs.add(new Case("users ?status", "GET", "/api/users?status=true%00", user, null, 400, "VALIDATION_ERROR"));
        cs.add(new Case("user path id", "GET", "/api/users/%00", user, null, 404, "NOT_FOUND"));
        cs.add(new Case("admin creates username", "POST", "/api/admin/users", adm, body("username", "ann" + NUL, "password", "long enough"), 400, "VALIDATION_ERROR"));

        // sign-in
        cs.add(new Case("login username", "POST", "/api/auth/login", anon, body("username", web.username() + NUL, "password", "whatever", "tenant", t), 401, "INVALID_CREDENTIALS"));
        cs.add(new Case("login password", "POST", "/api/auth/login", anon, body("username", web.username(), "password", NUL, "tenant", t), 401, "INVALID_CREDENTIALS"));
        cs.add(new Case("login tenant", "POST", "/api/auth/login", anon, body("username", web.username(), "password", "whatever", "tenant", t + NUL), 401, "INVALID_CREDENTIALS"));
        cs.add(new Case("refresh token", "POST", "/api/auth/refresh", anon, body("refresh_token", t + "." + NUL), 401, "INVALID_REFRESH_TOKEN"));
        cs.add(new Case("oidc id_token", "POST", "/api/auth/oidc", anon, body("id_token", NUL, "tenant", t), 401, "INVALID_CREDENTIALS"));
        cs.add(new Case("oidc tenant", "POST", "/api/auth/oidc", anon, body("id_token", idToken(b -> { }), "tenant", t + NUL), 401, "INVALID_CREDENTIALS"));
        cs.add(new Case("oidc subject", "POST", "/api/auth/oidc", anon,
                body("id_token", idToken(b -> b.subject("sub" + NUL)), "tenant", t), 400, "VALIDATION_ERROR"));

        // enrollment
        cs.add(new Case("enrollment bound username", "POST", "/api/enrollment/create", user, body("username", "joe" + NUL), 400, "VALIDATION_ERROR"));
        cs.add(new Case("enrollment device_info value", "POST", "/api/enrollment/complete", anon,
                body("token", enrollmentToken, "device_id", "phone-nul", "device_info", Map.of("model", "Pixel" + NUL)), 400, "VALIDATION_ERROR"));
        cs.add(new Case("enrollment device_info key", "POST", "/api/enrollment/complete", anon,
                body("token", enrollmentToken, "device_id", "phone-nul", "device_info", Map.of("mo" + NUL + "del", "Pixel")), 400, "VALIDATION_ERROR"));
        cs.add(new Case("enrollment device_info nested", "POST", "/api/enrollment/complete", anon,
                body("token", enrollmentToken, "device_id", "phone-nul", "device_info", Map.of("tags", List.of("a", Map.of("b", NUL)))), 400, "VALIDATION_ERROR"));
        cs.add(new Case("enrollment device_id", "POST", "/api/enrollment/complete", anon,
                body("token", enrollmentToken, "device_id", "phone" + NUL), 400, "VALIDATION_ERROR"));
        cs.add(new Case("enrollment username", "POST", "/api/enrollment/complete", anon,
                body("token", enrollmentToken, "device_id", "phone-nul", "username", "joe" + NUL), 400, "VALIDATION_ERROR"));
        cs.add(new Case("enrollment token", "POST", "/api/enrollment/complete", anon,
                body("token", enrollmentToken + NUL, "device_id", "phone-nul"), 404, "ENROLLMENT_NOT_FOUND"));
        cs.add(new Case("enrollment path token", "GET", "/api/enrollment/" + enc(enrollmentToken + NUL), anon, null, 404, "ENROLLMENT_NOT_FOUND"));
        cs.add(new Case("enrollment revoke path token", "DELETE", "/api/enrollment/" + enc(enrollmentToken + NUL), user, null, 404, "ENROLLMENT_NOT_FOUND"));
        cs.add(new Case("enrollment qr path token", "GET", "/api/enrollment/" + enc(enrollmentToken + NUL) + "/qr.svg", user, null, 404, "ENROLLMENT_NOT_FOUND"));

        // devices
        cs.add(new Case("device token device_id", "POST", "/api/devices/token", anon,
                body("device_id", device.deviceId() + NUL, "device_secret", t + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 401, "INVALID_CREDENTIALS"));
        cs.add(new Case("device token secret", "POST", "/api/devices/token", anon, body("device_id", device.deviceId(), "device_secret", t + "." + NUL), 401, "INVALID_CREDENTIALS"));
        cs.add(new Case("device revoke path id", "POST", "/api/devices/" + enc(device.deviceId() + NUL) + "/revoke", user, null, 404, "NOT_FOUND"));

        // sync, app instructions (push's own cases live in PushPermissionsAndBadRequestsTest)
        cs.add(new Case("pull ?cursor", "GET", "/api/sync/pull?cursor=%00", dev, null, 400, "INVALID_CURSOR"));
        cs.add(new Case("pull ?limit", "GET", "/api/sync/pull?limit=%00", dev, null, 400, "VALIDATION_ERROR"));
        cs.add(new Case("push op_id", "POST", "/api/sync/push", dev, body("ops", List.of(op("op" + NUL))), 400, "VALIDATION_ERROR"));
        cs.add(new Case("app-instructions ?from_version", "GET", "/api/app-instructions?from_version=1%00", dev, null, 400, "VALIDATION_ERROR"));

        // conflicts (what ConflictsController checks itself; the merged row is below)
        cs.add(new Case("conflicts ?status", "GET", "/api/conflicts?status=open%00", user, null, 400, "VALIDATION_ERROR"));
        cs.add(new Case("conflict path id", "POST", "/api/conflicts/" + conflict + "%00/resolve", user, body("resolution", "server"), 404, "NOT_FOUND"));
        cs.add(new Case("conflict resolution", "POST", "/api/conflicts/" + conflict + "/resolve", user, body("resolution", "server" + NUL), 400, "VALIDATION_ERROR"));

        // schema administration
        Map<String, String> yaml = headers(admin.token(), "application/yaml");
        cs.add(new Case("schema raw NUL", "POST", "/api/admin/schema/apply", yaml, SCHEMA + "# " + NUL + "\n", 422, "SCHEMA_INVALID"));
        cs.add(new Case("schema json source", "POST", "/api/admin/schema/apply", adm, body("source", SCHEMA + "# " + NUL + "\n"), 422, "SCHEMA_INVALID"));
        cs.add(new Case("schema validate text default", "POST", "/api/admin/schema/validate", yaml, withExtraTable("note: { type: text, default: \"a\\0b\" }"), 422, "SCHEMA_INVALID"));
        cs.add(new Case("schema plan text default", "POST", "/api/admin/schema/plan", yaml, withExtraTable("note: { type: text, default: \"a\\0b\" }"), 422, "SCHEMA_INVALID"));
        cs.add(new Case("schema apply text default", "POST", "/api/admin/schema/apply", yaml, withExtraTable("note: { type: text, default: \"a\\0b\" }"), 422, "SCHEMA_INVALID"));
        cs.add(new Case("schema apply json default", "POST", "/api/admin/schema/apply", yaml, withExtraTable("meta: { type: json, default: '{\"k\": \"\\u0000\"}' }"), 422, "SCHEMA_INVALID"));
        cs.add(new Case("schema apply filter literal", "POST", "/api/admin/schema/apply", yaml,
                SCHEMA.replace("    conflict: manual\n", "    conflict: manual\n    filter: \"note = 'a\\x00'\"\n"), 422, "SCHEMA_INVALID"));
        cs.add(new Case("operator schema tenant", "POST", "/api/admin/tenants/" + t + "%00/schema/plan", Map.of("Content-Type", "application/yaml",
                "Authorization", "Bearer " + OPERATOR), SCHEMA, 404, "TENANT_NOT_FOUND"));
        cs.add(new Case("operator schema apply", "POST", "/api/admin/tenants/" + t + "/schema/apply", Map.of("Content-Type", "application/yaml",
                "Authorization", "Bearer " + OPERATOR), withExtraTable("note: { type: text, default: \"\\0\" }"), 422, "SCHEMA_INVALID"));

        // operator tenant API
        cs.add(new Case("tenant create id", "POST", "/api/admin/tenants", operator, body("id", "nul_x" + NUL), 400, "VALIDATION_ERROR"));
        cs.add(new Case("tenant drop path id", "DELETE", "/api/admin/tenants/" + t + "%00?confirm=" + t + "%00", operator, null, 400, "VALIDATION_ERROR"));
        cs.add(new Case("tenant drop confirm", "DELETE", "/api/admin/tenants/" + t + "?confirm=" + t + "%00", operator, null, 400, "CONFIRMATION_REQUIRED"));
        return cs;
    }

    @Test
    void everyInputWithNulIsA4xxInTheWireFormatAndWritesNothing() throws Exception {
        List<String> failures = failures(cases());
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        // the enrollment token survived every refused completion
        assertEquals(200, http.get("/api/enrollment/" + enrollmentToken, Map.of()).status());
    }

    /** No header reaches PostgreSQL (X-Device-ID is compared with the token), and HTTP parsing refuses a NUL in one anyway. */
    @Test
    void headersWithNulAreMalformedRequests() {
        Map<String, String[]> cases = new LinkedHashMap<>();
        cases.put("X-Device-ID", new String[]{"/api/devices/me", "Authorization: Bearer " + device.token(), "X-Device-ID: " + device.deviceId() + NUL});
        cases.put("Authorization", new String[]{"/api/devices/me", "Authorization: Bearer " + device.token() + NUL});
        cases.put("X-Request-ID", new String[]{"/api/devices/me", "Authorization: Bearer " + device.token(), "X-Request-ID: id" + NUL});
        cases.put("Content-Encoding", new String[]{"/api/users", "Authorization: Bearer " + web.token(), "Content-Encoding: gzip" + NUL});
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, String[]> e : cases.entrySet()) {
            String[] c = e.getValue();
            String[] headers = Arrays.copyOfRange(c, 1, c.length);
            RawHttp.Response r = rawGet(c[0], headers);
            try {
                if (r.status() != 400 || !"MALFORMED_REQUEST".equals(http.errorCode(r))) {
                    failures.add(e.getKey() + ": expected 400 MALFORMED_REQUEST, got " + r.status() + " " + shorten(r.text()));
                }
            } catch (AssertionError notWire) {
                failures.add(e.getKey() + ": " + shorten(notWire.getMessage()));
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /** An ID token's e-mail is only a preferred username: one PostgreSQL cannot store is passed over for the subject. */
    @Test
    void oidcEmailWithNulFallsBackToTheSubjectAsUsername() throws Exception {
        RawHttp.Response r = http.postJson("/api/auth/oidc", Map.of(),
                body("id_token", idToken(b -> b.subject("nul-email").claim("email", "ada" + NUL + "@example.com")), "tenant", tenant.value()));
        assertEquals(200, r.status(), r.text());
        assertEquals(ISSUER + "|nul-email", http.json(r).get("user").get("username").getStringValue());
    }

    /** A merged resolution carrying U+0000 once reached {@code jsonb_populate_record(?::jsonb)} and came back as 503. */
    @Test
    void aMergedConflictRowWithNulIs400AndLeavesTheConflictOpen() throws Exception {
        String before = fingerprint();
        RawHttp.Response r = http.postJson("/api/conflicts/" + conflict + "/resolve", RawHttp.bearer(web.token()),
                body("resolution", "merged", "row", Map.of("note", "a" + NUL + "b")));
        assertEquals(400, r.status(), r.text());
        assertEquals("INVALID_VALUE", http.errorCode(r));
        assertEquals(before, fingerprint());
    }

    /**
     * A surrogate without its pair: JSON carries it as an escape ({@code "\ud800"}), UTF-8 cannot. The
     * driver would send {@code ?} in its place (text other than the client's, stored quietly), and
     * jsonb refuses the escape (a 503 the client would retry). Every written value holding one is a
     * 4xx that writes nothing.
     */
    @Test
    void everyWrittenValueWithALoneSurrogateIsA4xxAndWritesNothing() throws Exception {
        Map<String, String> user = headers(web.token(), "application/json");
        String m = mobile.id().toString();
        List<Case> cs = new ArrayList<>();
        cs.add(new Case("row text value", "POST", "/api/tables/records/rows", user,
                lone(body("id", UUID.randomUUID().toString(), "name", "a LONE b")), 400, "INVALID_VALUE"));
        cs.add(new Case("row json value", "POST", "/api/tables/records/rows", user,
                lone(body("id", UUID.randomUUID().toString(), "details", Map.of("k", "LONE"))), 400, "INVALID_VALUE"));
        // in a key the JSON reader itself refuses it: the body is not read at all
        cs.add(new Case("row json key", "POST", "/api/tables/records/rows", user,
                lone(body("id", UUID.randomUUID().toString(), "details", Map.of("LONE", 1))), 400, "MALFORMED_REQUEST"));
        cs.add(new Case("row text pk", "POST", "/api/tables/codes/rows", user, lone(body("code", "bLONE", "note", "x")), 400, "INVALID_VALUE"));
        cs.add(new Case("row update value", "PUT", "/api/tables/records/rows/" + record, user, lone(body("name", "LONE")), 400, "INVALID_VALUE"));
        cs.add(new Case("message content", "POST", "/api/messages", user, lone(body("recipient_id", m, "content", "a LONE b")), 400, "VALIDATION_ERROR"));
        cs.add(new Case("merged conflict row", "POST", "/api/conflicts/" + conflict + "/resolve", user,
                lone(body("resolution", "merged", "row", Map.of("note", "a LONE b"))), 400, "INVALID_VALUE"));
        cs.add(new Case("enrollment device_info", "POST", "/api/enrollment/complete", Map.of("Content-Type", "application/json"),
                lone(body("token", enrollmentToken, "device_id", "phone-lone", "device_info", Map.of("model", "Pixel LONE"))), 400, "VALIDATION_ERROR"));
        List<String> failures = failures(cs);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        // a pair is fine, and stored as sent
        UUID id = UUID.randomUUID();
        RawHttp.Response ok = http.send("POST", "/api/tables/records/rows", user,
                body("id", id.toString(), "name", "pair \uD83D\uDE00").getBytes(StandardCharsets.UTF_8));
        assertTrue(ok.status() < 300, ok.text());
        assertEquals("pair \uD83D\uDE00", value("SELECT name FROM $S.records WHERE id = '" + id + "'"));
    }

    /** Sends each case; what went otherwise than it expects: another status or code, not the wire error format, a write. */
    private List<String> failures(List<Case> cases) throws Exception {
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            String before = fingerprint();
            RawHttp.Response r = http.send(c.method(), c.path(), c.headers(), c.body() == null ? null : c.body().getBytes(StandardCharsets.UTF_8));
            try {
                String code = http.errorCode(r);
                if (r.status() != c.status() || !c.code().equals(code)) {
                    failures.add(c.name() + ": expected " + c.status() + " " + c.code() + ", got " + r.status() + " " + shorten(r.text()));
                }
            } catch (AssertionError e) {
                failures.add(c.name() + ": " + shorten(e.getMessage()));
            }
            String after = fingerprint();
            if (!before.equals(after)) {
                failures.add(c.name() + ": wrote to the database (" + before + " → " + after + ")");
            }
        }
        return failures;
    }

    /** The body with each LONE written as the JSON escape of a lone high surrogate. */
    private static String lone(String body) {
        assertTrue(body.contains("LONE"), body);
        return body.replace("LONE", "\\ud800");
    }

    // ---- helpers ----

    private static String shorten(String s) {
        return s.length() > 400 ? s.substring(0, 400) + "…" : s;
    }

    private static Map<String, String> headers(String token, String contentType) {
        return Map.of("Content-Type", contentType, "Authorization", "Bearer " + token);
    }

    /** A JSON object from alternating keys and values; U+0000 in strings is written as the escape {@code \u0000}. */
    private String body(Object... kv) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        String s = json.writeValueAsString(m);
        assertFalse(s.indexOf(0) >= 0, "the body carries the JSON escape, not a raw NUL: " + s);
        return s;
    }

    private Map<String, Object> op(String opId) {
        Map<String, Object> op = new LinkedHashMap<>();
        op.put("op_id", opId);
        op.put("table", "counts");
        op.put("op", "upsert");
        UUID id = UUID.randomUUID();
        op.put("pk", Map.of("id", id.toString()));
        op.put("data", Map.of("id", id.toString(), "note", "x"));
        op.put("client_ts", "2024-01-15T10:00:00.000Z");
        return op;
    }

    private static String withExtraTable(String column) {
        return SCHEMA + "  extra:\n    sync: web-only\n    columns:\n      id: { type: uuid, primary_key: true }\n      " + column + "\n";
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private String idToken(Consumer<JWTClaimsSet.Builder> tweak) throws Exception {
        long now = System.currentTimeMillis();
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject("sub-" + UUID.randomUUID())
                .claim("email", "someone@example.com").issueTime(new Date(now)).expirationTime(new Date(now + 300_000));
        tweak.accept(b);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(idpKey.getKeyID()).build(), b.build());
        jwt.sign(new RSASSASigner(idpKey));
        return jwt.serialize();
    }

    /** Everything a request of this test could write in the tenant, as one comparable string. */
    private String fingerprint() throws Exception {
        String[] parts = {
                "SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM $S.messages x",
                "SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM $S.records x",
                "SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM $S.codes x",
                "SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM $S.counts x",
                "SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM (SELECT id, username, user_type, oidc_subject FROM $S.posduif_users) x",
                "SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM (SELECT device_id, revoked_at, secret_hash, device_info FROM $S.posduif_devices) x",
                "SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM (SELECT token_hash, used_at, revoked_at FROM $S.posduif_enrollment_tokens) x",
                "SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM (SELECT id, status, resolution FROM $S.posduif_conflicts) x",
                "SELECT coalesce(max(version), 0) FROM $S.posduif_schema_versions",
                "SELECT count(*) FROM $S.posduif_changes",
                "SELECT count(*) FROM $S.posduif_ops",
                "SELECT count(*) FROM posduif_control.tenants"};
        StringBuilder b = new StringBuilder();
        try (Connection c = stack().connect(); Statement s = c.createStatement()) {
            for (String q : parts) {
                try (ResultSet rs = s.executeQuery(q.replace("$S", tenant.schema()))) {
                    rs.next();
                    b.append(rs.getString(1)).append('/');
                }
            }
        }
        return b.toString();
    }

    private String value(String query) throws Exception {
        try (Connection c = stack().connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query.replace("$S", tenant.schema()))) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private void sql(String statement) throws Exception {
        try (Connection c = stack().connect(); PreparedStatement ps = c.prepareStatement(statement.replace("$S", tenant.schema()))) {
            ps.execute();
        }
    }

    /** A GET written byte by byte: Java's HTTP client refuses to send a NUL in a header, hostile clients do not. */
    private RawHttp.Response rawGet(String path, String... headerLines) {
        try (Socket s = new Socket(server.getHost(), server.getPort())) {
            s.setSoTimeout(30_000);
            StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
            for (String h : headerLines) {
                req.append(h).append("\r\n");
            }
            OutputStream out = s.getOutputStream();
            out.write(req.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.UTF_8);
            if (text.isEmpty()) {
                return new RawHttp.Response(0, Map.of(), new byte[0]);
            }
            int status = Integer.parseInt(text.substring(9, 12));
            int end = text.indexOf("\r\n\r\n");
            return new RawHttp.Response(status, Map.of(), (end < 0 ? "" : text.substring(end + 4)).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.posduif.functions.http;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.schema.SchemaApplier;
import io.posduif.functions.schema.SchemaParser;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.RawHttp;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Endpoints that read their body as raw bytes bypass the gzip-aware JSON reader, so each must
 * inflate on its own. A client that gzips every request (the SDK does, the protocol allows it
 * everywhere) must get the same answers as with a plain body, and a bomb or broken gzip the same
 * 413/400 on every one of them.
 */
@MicronautTest
class EveryBodyEndpointReadsGzipTest extends StackTest {

    @Inject
    EmbeddedServer server;
    @Inject
    Fixtures fixtures;
    @Inject
    SchemaApplier applier;
    @Inject
    io.micrometer.core.instrument.MeterRegistry meters;

    RawHttp http;
    TenantId tenant;
    Fixtures.User admin;
    Fixtures.User mobile;

    @BeforeAll
    void setUp() throws Exception {
        http = new RawHttp(server.getURI());
        tenant = fixtures.newTenant("gzbody");
        applier.apply(tenant, SchemaParser.parse("demo.yaml", Files.readString(Path.of("../infra/tenants/demo.yaml"))), false, "test");
        admin = fixtures.webUser(tenant, "admin");
        mobile = fixtures.mobileUser(tenant);
    }

    /** Each raw-body endpoint with a valid body and the status that body earns. */
    record Call(String method, String path, String contentType, String body, int status) {
    }

    Call[] calls() {
        UUID row = UUID.randomUUID();
        return new Call[]{
                new Call("POST", "/api/messages", "application/json",
                        "{\"recipient_id\":\"" + mobile.id() + "\",\"content\":\"hello, compressed\"}", 200),
                new Call("POST", "/api/tables/audit_log/rows", "application/json",
                        "{\"id\":\"" + row + "\",\"action\":\"gzip\"}", 201),
                new Call("PUT", "/api/tables/audit_log/rows/" + row, "application/json", "{\"action\":\"gzip again\"}", 200),
                // a well-formed body for a conflict that does not exist: 404, not 400 MALFORMED_REQUEST
                new Call("POST", "/api/conflicts/" + UUID.randomUUID() + "/resolve", "application/json", "{\"resolution\":\"server\"}", 404),
                new Call("POST", "/api/admin/schema/validate", "application/yaml",
                        "tables:\n  t:\n    sync: web-only\n    columns:\n      id: { type: integer, primary_key: true }\n", 200),
                new Call("POST", "/api/admin/schema/plan", "application/json",
                        "{\"source\":\"tables:\\n  t:\\n    sync: web-only\\n    columns:\\n      id: { type: integer, primary_key: true }\\n\"}", 200),
        };
    }

    @Test
    void gzipBodiesGetTheSameAnswersAsPlainOnes() {
        for (Call call : calls()) {
            byte[] plain = call.body().getBytes(StandardCharsets.UTF_8);
            long before = ratios();
            RawHttp.Response r = http.send(call.method(), call.path(), headers(call, true), GzipBodiesAreInflatedUnderCapsTest.gzip(plain, 6));
            assertEquals(call.status(), r.status(), call.method() + " " + call.path() + ": " + r.text());
            assertEquals(before + 1, ratios(), call.path() + ": its compression ratio is in the metrics");
        }
    }

    @Test
    void aGzipPushIsAppliedAndItsRatioMeasured() {
        Fixtures.Device device = fixtures.device(tenant, mobile.id());
        String push = "{\"ops\":[{\"op_id\":\"" + UUID.randomUUID() + "\",\"table\":\"notes\",\"op\":\"upsert\",\"pk\":{\"id\":\""
                + UUID.randomUUID() + "\"},\"data\":{\"owner_id\":\"" + mobile.id() + "\",\"title\":\"zipped\"},\"client_ts\":\"2026-01-01T00:00:00Z\"}]}";
        long before = ratios();
        RawHttp.Response r = http.send("POST", "/api/sync/push", Map.of("Content-Type", "application/json", "Content-Encoding", "gzip",
                "Authorization", "Bearer " + device.token()), GzipBodiesAreInflatedUnderCapsTest.gzip(push.getBytes(StandardCharsets.UTF_8), 6));
        assertEquals(200, r.status(), r.text());
        assertEquals("applied", http.json(r).get("results").get(0).get("status").getStringValue(), r.text());
        assertEquals(before + 1, ratios(), "the push's compression ratio is in the metrics");
    }

    private long ratios() {
        return meters.summary("posduif.http.request.compression.ratio").count();
    }

    @Test
    void bombsAndBrokenGzipAreRefusedOnEveryOne() {
        byte[] bomb = GzipBodiesAreInflatedUnderCapsTest.bomb(1L << 30);
        for (Call call : calls()) {
            RawHttp.Response r = http.send(call.method(), call.path(), headers(call, true), bomb);
            assertEquals(413, r.status(), call.path() + ": " + r.text());
            assertEquals("PAYLOAD_TOO_LARGE", http.errorCode(r), call.path());
            byte[] good = GzipBodiesAreInflatedUnderCapsTest.gzip(call.body().getBytes(StandardCharsets.UTF_8), 6);
            RawHttp.Response broken = http.send(call.method(), call.path(), headers(call, true), Arrays.copyOf(good, good.length / 2));
            assertEquals(400, broken.status(), call.path() + ": " + broken.text());
            assertEquals("INVALID_GZIP", http.errorCode(broken), call.path());
        }
    }

    private Map<String, String> headers(Call call, boolean gzip) {
        return gzip
                ? Map.of("Content-Type", call.contentType(), "Content-Encoding", "gzip", "Authorization", "Bearer " + admin.token())
                : Map.of("Content-Type", call.contentType(), "Authorization", "Bearer " + admin.token());
    }
}

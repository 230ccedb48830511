package io.posduif.e2e.realtime;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.posduif.client.DeviceInfo;
import io.posduif.client.PosduifDevice;
import io.posduif.client.sim.WebSession;
import io.posduif.devstack.EmbeddedStack;
import io.posduif.e2e.support.E2eServer;
import io.posduif.e2e.support.RelayProcess;
import io.posduif.functions.auth.WebUsers;
import io.posduif.functions.schema.SchemaApplier;
import io.posduif.functions.schema.SchemaParser;
import io.posduif.functions.tenant.TenantId;
import io.posduif.functions.tenant.Tenants;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device SDK against the real relay process: a started device pulls when the relay says
 * {@code sync_required} and follows {@code schema_changed}, with its periodic fallback set to an
 * hour so that only the server-sent events can explain a prompt result.
 */
class DeviceSdkFollowsTheRealRelayTest {

    private static final String V1 = """
            tables:
              notes:
                sync: mobile-synced
                conflict: lww
                filter: owner_id = :user_id
                columns:
                  id:       { type: uuid, primary_key: true }
                  owner_id: { type: uuid, nullable: false }
                  title:    { type: text, nullable: false, default: "" }
            """;

    private static final String V2 = V1 + "      color:    { type: text }\n";

    @Test
    void aStartedDevicePullsOnSyncRequiredAndMigratesOnSchemaChanged() throws Exception {
        EmbeddedStack stack = EmbeddedStack.shared();
        try (RelayProcess relay = RelayProcess.start(stack)) {
            Map<String, Object> props = E2eServer.functionsProperties(stack);
            props.put("posduif.rate-limit.enabled", "false");
            props.put("posduif.relay.public-url", relay.url());
            try (EmbeddedServer functions = ApplicationContext.run(EmbeddedServer.class, props)) {
                ApplicationContext ctx = functions.getApplicationContext();
                String url = "http://localhost:" + functions.getPort();
                TenantId tenant = new TenantId("sdkrelay_" + Long.toString(System.nanoTime() % 1_000_000_000L, 36));
                ctx.getBean(Tenants.class).create(tenant);
                ctx.getBean(SchemaApplier.class).apply(tenant, SchemaParser.parse("v1.yaml", V1), false, "test");
                String password = "pw-" + UUID.randomUUID();
                ctx.getBean(WebUsers.class).create(tenant, "relay_admin", password, true);
                WebSession web = WebSession.login(url, "relay_admin", password, tenant.value());

                PosduifDevice.Options options = PosduifDevice.Options.defaults().withBaseUrl(url).withSyncInterval(Duration.ofHours(1));
                try (PosduifDevice a = PosduifDevice.inMemory(options); PosduifDevice b = PosduifDevice.inMemory(options)) {
                    a.enroll(web.createEnrollmentPayload(null), "alice", DeviceInfo.jvm());
                    b.enroll(web.createEnrollmentPayload("alice"), "alice", DeviceInfo.jvm());
                    a.sync();
                    b.start(); // first sync at once, then only SSE can trigger a pull within the hour
                    awaitTrue(() -> b.cursor() != null && !b.cursor().isEmpty() && !"0".equals(b.cursor()), "B's first sync");
                    Thread.sleep(1000); // B's stream is open and its scope recorded

                    String id = UUID.randomUUID().toString();
                    a.insert("notes", Map.of("id", id, "owner_id", a.userId(), "title", "from A"));
                    a.sync();
                    awaitTrue(() -> !b.query("SELECT 1 FROM notes WHERE id = ?", id).isEmpty(),
                            "B receives A's row through sync_required within 20 s");

                    long before = b.schemaVersion();
                    ctx.getBean(SchemaApplier.class).apply(tenant, SchemaParser.parse("v2.yaml", V2), false, "test");
                    awaitTrue(() -> b.schemaVersion() > before, "B follows schema_changed within 20 s");
                    assertTrue(b.query("SELECT color FROM notes WHERE id = ?", id).size() == 1,
                            "the migrated table has the new column and kept the row");
                    assertEquals("from A", b.query("SELECT title FROM notes WHERE id = ?", id).get(0).get("title"));
                }
            }
        }
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(what + ": not within 20 s");
    }
}

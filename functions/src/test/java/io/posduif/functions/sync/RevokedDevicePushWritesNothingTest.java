package io.posduif.functions.sync;

import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.db.Db;
import io.posduif.functions.schema.ConflictPolicy;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A push checks its device's status inside the transaction that would write (not in the request
 * binder, as other device endpoints do): a revoked or deleted device's push answers 401 with
 * the same codes, and not one row, change-log entry or ledger row is written.
 */
@MicronautTest
class RevokedDevicePushWritesNothingTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    TestSchemas schemas;
    @Inject
    Db db;
    @Inject
    JsonMapper json;
    @Inject
    @Client("/")
    HttpClient http;

    SyncHttp sync;
    TenantId tenant;
    Fixtures.User user;

    @BeforeAll
    void setUp() {
        sync = new SyncHttp(http, json);
        tenant = fixtures.newTenant("rvk");
        schemas.apply(tenant, List.of(SyncTables.notes(ConflictPolicy.LWW)));
        user = fixtures.mobileUser(tenant);
    }

    @Test
    void aRevokedDevicesPushIsRefusedAndWritesNothing() {
        Fixtures.Device device = fixtures.device(tenant, user.id());
        UUID before = UUID.randomUUID();
        assertEquals("applied", sync.push(device, op(before)).get(0).get("status"));
        sql("UPDATE " + tenant.schema() + ".posduif_devices SET revoked_at = now() WHERE device_id = '" + device.deviceId() + "'");
        refused(device, "DEVICE_REVOKED");
        // a body the push never gets to apply still answers for the device first
        for (String bad : new String[]{"{not json", "{\"ops\": 5}"}) {
            HttpClientResponseException e = assertThrows(HttpClientResponseException.class, () -> sync.pushRaw(device, bad));
            assertEquals(401, e.getStatus().getCode(), bad);
            assertTrue(e.getResponse().getBody(String.class).orElse("").contains("\"DEVICE_REVOKED\""), bad);
        }
    }

    @Test
    void aDeletedDevicesPushIsRefusedAndWritesNothing() {
        Fixtures.Device device = fixtures.device(tenant, user.id());
        sql("DELETE FROM " + tenant.schema() + ".posduif_devices WHERE device_id = '" + device.deviceId() + "'");
        refused(device, "UNAUTHORIZED");
    }

    private void refused(Fixtures.Device device, String code) {
        long changes = count("posduif_changes");
        long ledger = count("posduif_ops");
        long notes = count("notes");
        UUID id = UUID.randomUUID();
        HttpClientResponseException e = assertThrows(HttpClientResponseException.class, () -> sync.push(device, op(id)));
        assertEquals(401, e.getStatus().getCode());
        String body = e.getResponse().getBody(String.class).orElse("");
        assertTrue(body.contains("\"" + code + "\""), body);
        assertEquals(changes, count("posduif_changes"), "no change-log entry");
        assertEquals(ledger, count("posduif_ops"), "no ledger row");
        assertEquals(notes, count("notes"), "no row");
    }

    private Map<String, Object> op(UUID id) {
        return SyncHttp.upsert("notes", id, Map.of("owner", user.id().toString(), "body", "x"), "2024-01-15T10:35:00.000Z");
    }

    private long count(String table) {
        return db.withConnection(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + tenant.schema() + "." + table)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private void sql(String statement) {
        db.withConnection(c -> {
            try (Statement st = c.createStatement()) {
                st.execute(statement);
            }
            return null;
        });
    }
}

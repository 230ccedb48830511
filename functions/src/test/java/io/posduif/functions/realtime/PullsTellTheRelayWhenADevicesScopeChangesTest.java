package io.posduif.functions.realtime;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.db.Sql;
import io.posduif.functions.schema.ColumnDef;
import io.posduif.functions.schema.ColumnType;
import io.posduif.functions.schema.ConflictPolicy;
import io.posduif.functions.schema.SyncMode;
import io.posduif.functions.schema.TableDef;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.sync.TestSchemas;
import io.posduif.functions.tenant.TenantId;
import io.posduif.protocol.RealtimeStream;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pull records the device's scope keys, which the relay routes {@code sync_required} by, in the
 * round trip that ends the page. Only a pull that finds them changed tells the relay
 * ({@code scopes_changed}); every other pull is silent.
 */
@MicronautTest
class PullsTellTheRelayWhenADevicesScopeChangesTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    TestSchemas schemas;
    @Inject
    @Client("/")
    HttpClient http;

    @Test
    void onlyAPullThatFindsTheScopeChangedPublishesScopesChanged() throws Exception {
        TenantId tenant = fixtures.newTenant("pullscope");
        schemas.apply(tenant, List.of(new TableDef("notes", SyncMode.MOBILE_SYNCED, ConflictPolicy.LWW,
                new io.posduif.functions.sync.OwnerFilter("notes", "owner"),
                List.of(new ColumnDef("id", ColumnType.UUID, false, null, true, false),
                        new ColumnDef("owner", ColumnType.UUID, true, null, false, false)),
                List.of("id"), List.of(), true)));
        Fixtures.User user = fixtures.mobileUser(tenant);
        Fixtures.Device device = fixtures.device(tenant, user.id());

        pull(device);
        assertEquals(1, scopesChanged(tenant, device, 1), "the first pull records the device's keys");
        pull(device);
        pull(device);
        Thread.sleep(300);
        assertEquals(1, scopesChanged(tenant, device, 1), "the same keys again: no event");

        // the stored keys differ from what the next pull computes (as after a schema or attribute change)
        try (Connection c = stack().connect(); Statement st = c.createStatement()) {
            st.execute("UPDATE " + Sql.q(tenant.schema(), "posduif_device_scopes") + " SET buckets = '{}' WHERE device_id = '" + device.deviceId() + "'");
        }
        pull(device);
        assertEquals(2, scopesChanged(tenant, device, 2));
    }

    private void pull(Fixtures.Device device) {
        String body = http.toBlocking().retrieve(HttpRequest.GET("/api/sync/pull").bearerAuth(device.token()));
        assertTrue(body.contains("\"cursor\""), body);
    }

    /** The scopes_changed events naming the device, waiting (up to 5 s) for at least {@code atLeast}. */
    private int scopesChanged(TenantId tenant, Fixtures.Device device, int atLeast) throws Exception {
        RedisClient redis = RedisClient.create(stack().redisUrl());
        try (StatefulRedisConnection<String, String> c = redis.connect()) {
            int n = 0;
            for (int i = 0; i < 50; i++) {
                List<StreamMessage<String, String>> events = c.sync().xrange(RealtimeStream.key(tenant.value()), Range.create("-", "+"));
                n = 0;
                for (StreamMessage<String, String> e : events) {
                    Map<String, String> body = e.getBody();
                    if ("scopes_changed".equals(body.get(RealtimeStream.FIELD_TYPE))
                            && String.valueOf(body.get(RealtimeStream.FIELD_DEVICES)).contains(device.deviceId())) {
                        n++;
                    }
                }
                if (n >= atLeast) {
                    return n;
                }
                Thread.sleep(100);
            }
            return n;
        } finally {
            redis.shutdown();
        }
    }
}

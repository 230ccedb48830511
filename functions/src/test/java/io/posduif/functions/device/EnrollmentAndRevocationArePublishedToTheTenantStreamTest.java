package io.posduif.functions.device;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.Api;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import io.posduif.protocol.RealtimeStream;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class EnrollmentAndRevocationArePublishedToTheTenantStreamTest extends StackTest {

    @Inject
    @Client("/")
    HttpClient client;
    @Inject
    Fixtures fixtures;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.rate-limit.enabled", "false");
    }

    @Test
    void deviceEnrolledAndDeviceRevokedReachTheStream() throws Exception {
        Api api = new Api(client);
        TenantId tenant = fixtures.newTenant("evt");
        Fixtures.User web = fixtures.webUser(tenant);
        String token = api.post("/api/enrollment/create", Map.of(), web.token()).str("token");
        Api.Resp done = api.post("/api/enrollment/complete", Map.of("token", token, "device_id", "evt-phone"), null);
        assertEquals(200, done.status());
        assertEquals(200, api.post("/api/devices/evt-phone/revoke", Map.of(), web.token()).status());

        RedisClient redis = RedisClient.create(stack().redisUrl());
        try (StatefulRedisConnection<String, String> c = redis.connect()) {
            List<StreamMessage<String, String>> events = List.of();
            for (int i = 0; i < 50 && events.size() < 2; i++) {
                events = c.sync().xrange(RealtimeStream.key(tenant.value()), Range.create("-", "+"));
                Thread.sleep(100);
            }
            assertEquals(2, events.size(), events.toString());
            Map<String, String> enrolled = events.get(0).getBody();
            assertEquals("device_enrolled", enrolled.get(RealtimeStream.FIELD_TYPE));
            assertTrue(enrolled.get(RealtimeStream.FIELD_DATA).contains("\"device_id\":\"evt-phone\""), enrolled.toString());
            assertTrue(enrolled.get(RealtimeStream.FIELD_DATA).contains(done.str("user_id")));
            Map<String, String> revoked = events.get(1).getBody();
            assertEquals("device_revoked", revoked.get(RealtimeStream.FIELD_TYPE));
            assertTrue(revoked.get(RealtimeStream.FIELD_DEVICES).contains("evt-phone"), revoked.toString());
        } finally {
            redis.shutdown();
        }
    }
}

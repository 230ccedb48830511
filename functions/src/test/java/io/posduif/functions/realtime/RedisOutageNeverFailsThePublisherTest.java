package io.posduif.functions.realtime;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.devstack.EmbeddedStack;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import io.posduif.protocol.RealtimeStream;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs against a Redis of its own (not the shared one) so that it can stop and restart it.
 */
@MicronautTest
class RedisOutageNeverFailsThePublisherTest extends StackTest {

    private static final int PORT = EmbeddedStack.freePort();
    private RedisServer redis = start();

    @Inject
    RealtimePublisher publisher;

    private static RedisServer start() {
        try {
            RedisServer r = RedisServer.newRedisServer().port(PORT).bind("127.0.0.1").setting("save \"\"").build();
            r.start();
            return r;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("redis.uri", "redis://127.0.0.1:" + PORT, "posduif.realtime.retry-after", "300ms");
    }

    @AfterAll
    void stopRedis() throws IOException {
        redis.stop();
    }

    @Test
    void publishesWhileUpDropsQuietlyWhileDownAndResumesAfter() throws Exception {
        TenantId tenant = new TenantId("outage_t");
        UUID msg = UUID.randomUUID();
        String id = publisher.publish(tenant, RealtimeEvent.syncRequired(List.of("messages|user_id=a", "notes|*"), "c-1"))
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertNotNull(id);
        publisher.publish(tenant, RealtimeEvent.newMessage(UUID.randomUUID(), msg, 3)).toCompletableFuture().get(5, TimeUnit.SECONDS);

        try (RedisClient c = RedisClient.create("redis://127.0.0.1:" + PORT);
             StatefulRedisConnection<String, String> conn = c.connect()) {
            List<StreamMessage<String, String>> entries = conn.sync().xrange(RealtimeStream.key("outage_t"), Range.create("-", "+"));
            assertEquals(2, entries.size());
            Map<String, String> first = entries.get(0).getBody();
            assertEquals("sync_required", first.get(RealtimeStream.FIELD_TYPE));
            assertEquals("[\"messages|user_id=a\",\"notes|*\"]", first.get(RealtimeStream.FIELD_BUCKETS));
            assertEquals("c-1", first.get(RealtimeStream.FIELD_CURSOR));
            assertEquals("{\"type\":\"sync_required\",\"cursor\":\"c-1\"}", first.get(RealtimeStream.FIELD_DATA));
            Map<String, String> second = entries.get(1).getBody();
            assertTrue(second.get(RealtimeStream.FIELD_DATA).contains("\"unread_count\":3"));
            assertTrue(second.get(RealtimeStream.FIELD_DATA).contains(msg.toString()));
            assertTrue(second.containsKey(RealtimeStream.FIELD_USERS));
        }

        redis.stop();
        long t0 = System.nanoTime();
        for (int i = 0; i < 200; i++) {
            // must neither throw nor block the caller
            var stage = publisher.publish(tenant, RealtimeEvent.syncRequired(List.of("x|*"), "c-" + i));
            assertNull(stage.toCompletableFuture().get(3, TimeUnit.SECONDS));
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < 3_000, "200 publishes during an outage took " + ms + " ms");

        redis = start();
        String after = null;
        long deadline = System.currentTimeMillis() + 15_000;
        while (after == null && System.currentTimeMillis() < deadline) {
            after = publisher.publish(tenant, RealtimeEvent.schemaChanged(7)).toCompletableFuture().get(5, TimeUnit.SECONDS);
            if (after == null) {
                Thread.sleep(100);
            }
        }
        assertNotNull(after, "publishing resumes once Redis is back");
    }
}

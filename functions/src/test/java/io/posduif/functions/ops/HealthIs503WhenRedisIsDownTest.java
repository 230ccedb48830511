package io.posduif.functions.ops;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.devstack.EmbeddedStack;
import io.posduif.functions.support.RawHttp;
import io.posduif.functions.support.StackTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Uses its own Redis so that stopping it cannot disturb other tests sharing the JVM's stack. */
@MicronautTest
class HealthIs503WhenRedisIsDownTest extends StackTest {

    static final int PORT = EmbeddedStack.freePort();
    static RedisServer redis;

    @Inject
    EmbeddedServer server;

    static synchronized RedisServer redis() {
        if (redis == null) {
            try {
                redis = RedisServer.newRedisServer().port(PORT).bind("127.0.0.1").setting("save \"\"").build();
                redis.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return redis;
    }

    @Override
    protected Map<String, String> extraProperties() {
        redis();
        return Map.of("redis.uri", "redis://127.0.0.1:" + PORT);
    }

    @AfterAll
    void stopRedis() throws IOException {
        redis.stop();
    }

    @Test
    void healthFollowsRedis() throws Exception {
        RawHttp http = new RawHttp(server.getURI());
        RawHttp.Response up = http.get("/health", Map.of());
        for (int i = 0; i < 10 && up.status() != 200; i++) {
            Thread.sleep(500); // a cold JVM on a busy machine may miss the first probe deadline
            up = http.get("/health", Map.of());
        }
        assertEquals(200, up.status(), up.text());
        assertEquals("UP", http.json(up).get("checks").get("postgres").getStringValue());
        assertEquals("UP", http.json(up).get("checks").get("redis").getStringValue());

        redis.stop();
        RawHttp.Response down = http.get("/health", Map.of());
        assertEquals(503, down.status(), down.text());
        assertEquals("SERVICE_UNAVAILABLE", http.errorCode(down));
        assertEquals("DOWN", http.json(down).get("error").get("details").get("checks").get("redis").getStringValue());
        assertEquals("UP", http.json(down).get("error").get("details").get("checks").get("postgres").getStringValue());

        redis.start();
        int status = 0;
        for (int i = 0; i < 40 && status != 200; i++) {
            Thread.sleep(500);
            status = http.get("/health", Map.of()).status();
        }
        assertEquals(200, status, "health recovers when Redis is back");
    }
}

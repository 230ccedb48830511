package io.posduif.relay.support;

import io.micronaut.test.support.TestPropertyProvider;
import io.posduif.devstack.EmbeddedStack;
import org.junit.jupiter.api.TestInstance;

import java.util.HashMap;
import java.util.Map;

/**
 * Base of relay tests: the per-JVM real PostgreSQL and Redis, short intervals so that tests do
 * not wait for production timings.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class RelayTest implements TestPropertyProvider {

    protected static EmbeddedStack stack() {
        return EmbeddedStack.shared();
    }

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> p = new HashMap<>(baseProperties(stack().redisUrl()));
        p.putAll(extraProperties());
        return p;
    }

    public static Map<String, String> baseProperties(String redisUrl) {
        Map<String, String> p = new HashMap<>(stack().micronautProperties());
        p.put("redis.uri", redisUrl);
        p.put("posduif.relay.enabled", "true");
        p.put("posduif.relay.leader-check", "200ms");
        p.put("posduif.relay.tenant-refresh", "300ms");
        p.put("posduif.relay.read-block", "200ms");
        p.put("micronaut.server.port", "-1");
        return p;
    }

    protected Map<String, String> extraProperties() {
        return Map.of();
    }
}

package io.posduif.e2e.console;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.posduif.devstack.EmbeddedStack;
import io.posduif.functions.auth.WebUsers;
import io.posduif.functions.tenant.TenantId;
import io.posduif.functions.tenant.Tenants;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real functions application on a random port, against the per-JVM PostgreSQL and Redis,
 * as a browser and a device see it. Each test class gets its own tenant.
 */
final class ConsoleStack implements AutoCloseable {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    final EmbeddedServer functions;
    final String baseUrl;
    final String relayUrl;

    private ConsoleStack(EmbeddedServer functions, String relayUrl) {
        this.functions = functions;
        this.baseUrl = "http://localhost:" + functions.getPort();
        this.relayUrl = relayUrl;
    }

    static ConsoleStack start() {
        EmbeddedStack stack = EmbeddedStack.shared();
        Map<String, Object> props = new HashMap<>(stack.micronautProperties());
        props.put("micronaut.server.port", -1);
        // the relay's beans are on this classpath too (e2e holds every module); they stay out of functions
        props.put("posduif.relay.enabled", "false");
        // no relay process yet in this stack: a closed port, so the console runs without live events
        String relayUrl = "http://localhost:" + EmbeddedStack.freePort();
        props.put("posduif.relay.public-url", relayUrl);
        EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props);
        return new ConsoleStack(server, relayUrl);
    }

    <T> T bean(Class<T> type) {
        return functions.getApplicationContext().getBean(type);
    }

    TenantId newTenant(String prefix) {
        TenantId id = new TenantId(prefix + "_" + Long.toString(System.nanoTime() % 1_000_000_000L, 36) + COUNTER.incrementAndGet());
        bean(Tenants.class).create(id);
        return id;
    }

    /** A web user with a real password, signed in through the real login form by the tests. */
    UUID webUser(TenantId tenant, String username, String password, boolean admin) {
        return bean(WebUsers.class).create(tenant, username, password, admin).id();
    }

    @Override
    public void close() {
        functions.getApplicationContext().close();
    }
}

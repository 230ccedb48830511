package io.posduif.e2e.console;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.posduif.devstack.EmbeddedStack;
import io.posduif.e2e.support.E2eServer;
import io.posduif.e2e.support.RelayProcess;
import io.posduif.functions.auth.WebUsers;
import io.posduif.functions.schema.SchemaApplier;
import io.posduif.functions.schema.SchemaParser;
import io.posduif.functions.tenant.TenantId;
import io.posduif.functions.tenant.Tenants;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    final int relayPort;
    final String relayUrl;
    private RelayProcess relay;

    private ConsoleStack(EmbeddedServer functions, int relayPort) {
        this.functions = functions;
        this.baseUrl = "http://localhost:" + functions.getPort();
        this.relayPort = relayPort;
        this.relayUrl = "http://localhost:" + relayPort;
    }

    /**
     * Functions on a random port. Its relay URL points at a port reserved for {@link #startRelay()};
     * until that runs (or if a test never calls it) the console works without live events.
     */
    static ConsoleStack start() {
        EmbeddedStack stack = EmbeddedStack.shared();
        Map<String, Object> props = E2eServer.functionsProperties(stack);
        int relayPort = EmbeddedStack.freePort();
        props.put("posduif.relay.public-url", "http://localhost:" + relayPort);
        EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props);
        return new ConsoleStack(server, relayPort);
    }

    /** Starts the real relay process, allowing the console's origin. */
    ConsoleStack startRelay() {
        // small intervals so presence and new tenants show within a test's patience
        relay = RelayProcess.start(EmbeddedStack.shared(), relayPort, "posduif.relay.allowed-origin=" + baseUrl,
                "posduif.relay.tenant-refresh=1s", "posduif.relay.presence-refresh=2s");
        return this;
    }

    String relayLog() {
        return relay == null ? "(no relay)" : relay.tail();
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

    /** Applies a tenant schema file through the same code the admin API and CLI use. */
    void applySchema(TenantId tenant, Path file) {
        try {
            bean(SchemaApplier.class).apply(tenant, SchemaParser.parse(file.getFileName().toString(), Files.readString(file)),
                    false, "e2e");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (relay != null) {
            relay.close();
        }
        functions.getApplicationContext().close();
    }
}

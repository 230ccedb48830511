package io.posduif.e2e.support;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.posduif.devstack.EmbeddedStack;
import io.posduif.functions.schema.SchemaApplier;
import io.posduif.functions.schema.SchemaParser;
import io.posduif.functions.tenant.TenantId;
import io.posduif.functions.tenant.Tenants;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real functions application on a random port, on the per-JVM real PostgreSQL and Redis.
 * Devices reach it over real HTTP; tests isolate themselves with a tenant each.
 */
public final class E2eServer {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static E2eServer shared;

    private final EmbeddedStack stack;
    private final ApplicationContext context;
    private final EmbeddedServer server;

    private E2eServer(EmbeddedStack stack, ApplicationContext context, EmbeddedServer server) {
        this.stack = stack;
        this.context = context;
        this.server = server;
    }

    public static synchronized E2eServer shared() {
        if (shared == null) {
            EmbeddedStack stack = EmbeddedStack.shared();
            Map<String, Object> props = functionsProperties(stack);
            // one JVM enrolls dozens of devices from one address in seconds; rate-limit tests live in functions
            props.put("posduif.rate-limit.enabled", "false");
            EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props);
            shared = new E2eServer(stack, server.getApplicationContext(), server);
            Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "posduif-e2e-server-stop"));
        }
        return shared;
    }

    /**
     * Settings for functions in this JVM on a random port over the stack. sse-relay is on the e2e
     * classpath too; its beans belong to the relay process ({@link RelayProcess}), not this one.
     */
    public static Map<String, Object> functionsProperties(EmbeddedStack stack) {
        Map<String, Object> props = new HashMap<>(stack.micronautProperties());
        props.put("micronaut.server.port", -1);
        props.put("posduif.relay.enabled", "false");
        return props;
    }

    public String url() {
        return "http://localhost:" + server.getPort();
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    /** A new tenant with the given schema (YAML, docs/schema-format.md) applied. */
    public TenantId newTenant(String prefix, String schemaYaml) {
        TenantId id = new TenantId(prefix + "_" + Long.toString(System.nanoTime() % 1_000_000_000L, 36) + COUNTER.incrementAndGet());
        bean(Tenants.class).create(id);
        if (schemaYaml != null) {
            bean(SchemaApplier.class).apply(id, SchemaParser.parse(prefix + ".yaml", schemaYaml), false, "e2e");
        }
        return id;
    }

    /** Plain SQL as the database owner: the "someone edits the table directly" writer. */
    public Connection jdbc() throws SQLException {
        return DriverManager.getConnection(stack.jdbcUrl(), EmbeddedStack.USER, EmbeddedStack.PASSWORD);
    }
}

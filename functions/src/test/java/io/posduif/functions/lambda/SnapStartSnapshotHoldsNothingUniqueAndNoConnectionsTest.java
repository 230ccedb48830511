package io.posduif.functions.lambda;

import com.zaxxer.hikari.HikariDataSource;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.BeanRegistration;
import io.micronaut.crac.OrderedResource;
import io.micronaut.crac.resources.DataSourceResource;
import io.micronaut.crac.test.CheckpointSimulator;
import io.micronaut.crac.test.DefaultCheckpointSimulator;
import io.posduif.functions.support.StackTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SnapStart snapshots the JVM right after the handler's initialisation and restores that one
 * snapshot into every new instance. So what init leaves in memory must be neither unique (every
 * instance would share it) nor connected (a restored socket is dead). The handler is initialised
 * here exactly as Lambda does (constructing {@code APIGatewayV2HTTPEventFunction} with the
 * {@code lambda} environment), then the checkpoint and restore hooks that Lambda runs
 * (org.crac, registered by micronaut-crac) are run by micronaut-crac's simulator.
 */
class SnapStartSnapshotHoldsNothingUniqueAndNoConnectionsTest extends StackTest {

    FunctionUrlInvoker lambda;
    ApplicationContext ctx;

    @BeforeAll
    void init() {
        lambda = new FunctionUrlInvoker(getProperties());
        ctx = lambda.handler().getApplicationContext();
    }

    @AfterAll
    void close() {
        lambda.close();
    }

    @Test
    void databasePoolIsRegisteredWithCracAndEmptiedBeforeTheCheckpoint() throws Exception {
        HikariDataSource hikari = ctx.getBean(DataSource.class).unwrap(HikariDataSource.class);
        assertTrue(hikari.isAllowPoolSuspension(), "datasources.default.allow-pool-suspension must stay true for micronaut-crac");
        Collection<OrderedResource> resources = ctx.getBeansOfType(OrderedResource.class);
        assertTrue(resources.stream().anyMatch(r -> r instanceof DataSourceResource),
                "micronaut-crac registers the datasource as a CRaC resource: " + resources);

        // init ran Flyway and the tenant migrations: the pool holds connections now
        assertEquals(1, selectOne(hikari));
        assertTrue(hikari.getHikariPoolMXBean().getTotalConnections() > 0);

        // the simulator bean is test-environment only; the Lambda context runs with "lambda"
        CheckpointSimulator snapshot = new DefaultCheckpointSimulator(new ArrayList<>(resources));
        snapshot.runBeforeCheckpoint();
        assertEquals(0, hikari.getHikariPoolMXBean().getTotalConnections(), "no database connection goes into the snapshot");

        snapshot.runAfterRestore();
        assertEquals(1, selectOne(hikari), "the restored pool opens fresh connections");
        FunctionUrlInvoker.Answer health = lambda.json("GET", "/api/console/config", null, null);
        assertEquals(200, health.status(), health.text());
        FunctionUrlInvoker.Answer login = lambda.json("POST", "/api/auth/login", null,
                Map.of("username", "nobody", "password", "irrelevant password", "tenant", "no_such_tenant"));
        assertTrue(login.status() == 401 || login.status() == 404, "a database-backed request works after restore: " + login.text());
    }

    @Test
    void beansCreatedDuringInitHoldNoRandomnessOrIds() throws IllegalAccessException {
        // everything the context instantiated while initialising (what would be in the snapshot)
        List<String> findings = new ArrayList<>();
        int audited = 0;
        for (BeanRegistration<Object> reg : ctx.getActiveBeanRegistrations(Object.class)) {
            Object bean = reg.getBean();
            if (bean == null || !bean.getClass().getName().startsWith("io.posduif.")) {
                continue;
            }
            audited++;
            for (Class<?> c = bean.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                        continue;
                    }
                    f.setAccessible(true);
                    Object v = f.get(bean);
                    if (v instanceof Random || v instanceof UUID) {
                        findings.add(c.getName() + "." + f.getName() + " = " + v.getClass().getName());
                    }
                }
            }
        }
        assertTrue(audited > 5, "only " + audited + " Posduif beans were created during init");
        assertTrue(findings.isEmpty(), "beans made during init hold randomness or ids that every restored instance would share: " + findings);
    }

    @Test
    void staticRandomSourcesReadTheKernelOnEveryCall() throws Exception {
        // A SecureRandom held in a static field may be created before the checkpoint. The JDK's
        // default on Linux (NativePRNG) mixes fresh /dev/urandom bytes into every nextBytes, and
        // Lambda reseeds the kernel's generator on restore, so its output still differs per
        // instance. A seeded SHA1PRNG/DRBG or a java.util.Random would repeat across instances.
        List<String> findings = new ArrayList<>();
        List<String> audited = new ArrayList<>();
        for (String className : mainClasses()) {
            Class<?> type = Class.forName(className, false, getClass().getClassLoader());
            for (Field f : type.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                if (UUID.class.isAssignableFrom(f.getType())) {
                    findings.add(className + "." + f.getName() + " is a static UUID");
                }
                if (!Random.class.isAssignableFrom(f.getType())) {
                    continue;
                }
                f.setAccessible(true);
                Object v = f.get(null);
                audited.add(className + "." + f.getName());
                if (!(v instanceof SecureRandom sr) || !Set.of("NativePRNG", "NativePRNGNonBlocking").contains(sr.getAlgorithm())) {
                    findings.add(className + "." + f.getName() + " is " + (v == null ? "null" : v instanceof SecureRandom sr2
                            ? "SecureRandom/" + sr2.getAlgorithm() : v.getClass().getName()));
                }
            }
        }
        System.out.println("[snapstart] static random sources audited: " + audited);
        assertTrue(findings.isEmpty(), "random sources that a snapshot would replay: " + findings + " (audited " + audited + ")");
    }

    private static List<String> mainClasses() throws URISyntaxException, IOException {
        Path root = Path.of(io.posduif.functions.Application.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (Stream<Path> files = Files.walk(root.resolve("io/posduif/functions"))) {
            return files.filter(p -> p.toString().endsWith(".class"))
                    .map(p -> root.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", ""))
                    .sorted().toList();
        }
    }

    private static int selectOne(DataSource ds) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}

package io.posduif.functions.schema;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.db.Db;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class RegistryNoticesVersionsAppliedByOtherInstancesTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    SchemaApplier applier;
    @Inject
    SchemaRegistry registry;
    @Inject
    Db db;

    static String schema(int columns) {
        StringBuilder b = new StringBuilder("tables:\n  t:\n    sync: mobile-synced\n    columns:\n      id: { type: uuid, primary_key: true }\n");
        for (int i = 0; i < columns; i++) {
            b.append("      c").append(i).append(": { type: text }\n");
        }
        return b.toString();
    }

    @Test
    void anotherLambdaInstanceSeesTheNewVersionAfterTheRecheckInterval() throws Exception {
        TenantId t = fixtures.newTenant("sreg");
        applier.apply(t, SchemaParser.parse("v1.yaml", schema(1)), false, "test");
        // a second function instance, with its own cache
        SchemaRegistry other = new SchemaRegistry(db, Duration.ofMillis(300));
        assertEquals(1, other.current(t).version());
        applier.apply(t, SchemaParser.parse("v2.yaml", schema(2)), false, "test");
        assertEquals(2, registry.current(t).version(), "the applying instance invalidates at once");
        assertEquals(1, other.current(t).version(), "within the interval the other instance serves its cache");
        Thread.sleep(350);
        TenantSchema seen = other.current(t);
        assertEquals(2, seen.version());
        assertTrue(seen.table("t").orElseThrow().column("c1").isPresent());
    }

    @Test
    void concurrentAppliesGetDistinctVersionsAndTheSameFileOnce() throws Exception {
        TenantId t = fixtures.newTenant("sconc");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<SchemaApplier.Result>> jobs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                jobs.add(() -> applier.apply(t, SchemaParser.parse("same.yaml", schema(3)), false, "test"));
            }
            int applied = 0;
            for (Future<SchemaApplier.Result> f : pool.invokeAll(jobs)) {
                applied += f.get().applied() ? 1 : 0;
            }
            assertEquals(1, applied, "one apply creates the version, the others see it unchanged");
            assertEquals(1, registry.current(t).version());
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void primaryKeyAndNullabilityChangesAreDestructive() {
        TenantId t = fixtures.newTenant("spk");
        String v1 = "tables:\n  t:\n    sync: web-only\n    columns:\n      a: { type: text, primary_key: true }\n      b: { type: text, nullable: false, default: x }\n      c: { type: text }\n";
        applier.apply(t, SchemaParser.parse("v1.yaml", v1), false, "test");
        String pk = v1.replace("b: { type: text, nullable: false, default: x }", "b: { type: text, primary_key: true, default: x }");
        ApiException e = assertThrows(ApiException.class, () -> applier.apply(t, SchemaParser.parse("v2.yaml", pk), false, "test"));
        assertEquals(ErrorCode.DESTRUCTIVE_CHANGE, e.code());
        assertEquals(2, applier.apply(t, SchemaParser.parse("v2.yaml", pk), true, "test").version());
        assertEquals(List.of("a", "b"), registry.current(t).table("t").orElseThrow().primaryKey());
        String notNull = pk.replace("c: { type: text }", "c: { type: text, nullable: false }");
        SchemaApplier.Result plan = applier.plan(t, SchemaParser.parse("v3.yaml", notNull));
        assertEquals(List.of("set_not_null"), plan.steps().stream().map(SchemaPlanner.PlanStep::kind).toList());
        assertTrue(plan.destructive());
        String relaxed = pk.replace("b: { type: text, primary_key: true, default: x }", "b: { type: text, primary_key: true }");
        SchemaApplier.Result r = applier.apply(t, SchemaParser.parse("v3.yaml", relaxed), false, "test");
        assertEquals(List.of("set_default"), r.steps().stream().map(SchemaPlanner.PlanStep::kind).toList(), "dropping a default is additive");
    }
}

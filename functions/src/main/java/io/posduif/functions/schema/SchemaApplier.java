package io.posduif.functions.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.ApplicationEventPublisher;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.annotation.Serdeable;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.realtime.RealtimeEvent;
import io.posduif.functions.realtime.RealtimePublisher;
import io.posduif.functions.schema.SchemaPlanner.PlanStep;
import io.posduif.functions.tenant.TenantId;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Singleton;
import org.postgresql.util.PGobject;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Plans and applies a tenant's schema definition.
 *
 * <p>One apply is one PostgreSQL transaction: DDL, trigger regeneration and the new
 * {@code posduif_schema_versions} row commit together or not at all, and a per-tenant advisory
 * lock serialises concurrent applies so that version numbers never collide and no apply plans
 * against a version that is about to change.
 */
@Singleton
public class SchemaApplier {

    /** What a plan or an apply did (or would do); {@code steps} is sent even when empty (docs/protocol.md §9). */
    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Result(int version, String checksum, boolean changed, boolean applied, boolean destructive,
                         List<PlanStep> steps) {
    }

    /** Published after an apply that created a new version (the realtime side tells devices). */
    public record SchemaApplied(TenantId tenant, int version) {
    }

    private final Db db;
    private final SchemaRegistry registry;
    private final JsonMapper json;
    private final ApplicationEventPublisher<SchemaApplied> events;
    private final RealtimePublisher realtime;
    private final Duration lockTimeout;

    SchemaApplier(Db db, SchemaRegistry registry, JsonMapper json, ApplicationEventPublisher<SchemaApplied> events,
                  RealtimePublisher realtime, @Value("${posduif.schema.lock-timeout:10s}") Duration lockTimeout) {
        this.lockTimeout = lockTimeout;
        this.db = db;
        this.registry = registry;
        this.json = json;
        this.events = events;
        this.realtime = realtime;
    }

    /** The steps an apply of {@code def} would run now; changes nothing. */
    public Result plan(TenantId tenant, SchemaDefinition def) {
        return db.withConnection(c -> {
            TenantSchema current = SchemaRegistry.load(c, tenant).schema();
            return planAgainst(tenant, current, def, false);
        });
    }

    /**
     * Applies {@code def}. Identical to the current version → nothing happens and
     * {@code changed} is false.
     *
     * @throws ApiException DESTRUCTIVE_CHANGE when the plan has destructive steps and
     *                      {@code allowDestructive} is false; VALIDATION_ERROR when PostgreSQL
     *                      refuses a step (e.g. NOT NULL over existing NULLs). Nothing changes.
     */
    public Result apply(TenantId tenant, SchemaDefinition def, boolean allowDestructive, String appliedBy) {
        Result result = db.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                // DDL waits for every transaction on the table; fail fast instead of stalling traffic behind us
                s.execute("SET LOCAL lock_timeout = '" + lockTimeout.toMillis() + "ms'");
            }
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                lock.setString(1, "posduif_schema:" + tenant.value());
                lock.execute();
            }
            TenantSchema current = SchemaRegistry.load(c, tenant).schema();
            Result plan = planAgainst(tenant, current, def, false);
            if (!plan.changed()) {
                return plan;
            }
            if (plan.destructive() && !allowDestructive) {
                throw new ApiException(ErrorCode.DESTRUCTIVE_CHANGE,
                        "the plan has destructive steps; re-run with allow_destructive to apply them",
                        Map.of("steps", plan.steps().stream().filter(PlanStep::destructive).map(PlanStep::description).toList()));
            }
            int n = 0;
            for (PlanStep step : plan.steps()) {
                n++;
                for (String sql : step.sql()) {
                    try (Statement s = c.createStatement()) {
                        s.execute(sql);
                    } catch (SQLException e) {
                        if ("55P03".equals(e.getSQLState())) {
                            throw new ApiException(ErrorCode.SERVICE_UNAVAILABLE, "step " + n + " (" + step.description()
                                    + ") waited too long for a table lock held by running transactions; retry later");
                        }
                        throw new ApiException(ErrorCode.VALIDATION_ERROR, "PostgreSQL refused step " + n + " (" + step.description()
                                + "): " + e.getMessage(), Map.of("step", step.description(), "sqlstate", String.valueOf(e.getSQLState())));
                    }
                }
            }
            int version = current.version() + 1;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + Sql.q(tenant.schema(), "posduif_schema_versions")
                    + " (version, checksum, source, plan, applied_by) VALUES (?, ?, ?, ?, ?)")) {
                ps.setInt(1, version);
                ps.setString(2, def.checksum());
                ps.setString(3, def.source());
                PGobject planJson = new PGobject();
                planJson.setType("jsonb");
                planJson.setValue(toJson(plan.steps()));
                ps.setObject(4, planJson);
                ps.setString(5, appliedBy);
                ps.executeUpdate();
            }
            return new Result(version, def.checksum(), true, true, plan.destructive(), plan.steps());
        });
        registry.invalidate(tenant);
        if (result.applied()) {
            events.publishEvent(new SchemaApplied(tenant, result.version()));
            // devices refetch app-instructions; best effort: a device also sees schema_version on its next pull
            realtime.publish(tenant, RealtimeEvent.schemaChanged(result.version()));
        }
        return result;
    }

    private Result planAgainst(TenantId tenant, TenantSchema current, SchemaDefinition def, boolean applied) {
        if (current.checksum().equals(def.checksum())) {
            return new Result(current.version(), current.checksum(), false, false, false, List.of());
        }
        List<PlanStep> steps = SchemaPlanner.plan(tenant, current, def.tables());
        boolean destructive = steps.stream().anyMatch(PlanStep::destructive);
        return new Result(current.version() + 1, def.checksum(), true, applied, destructive, steps);
    }

    private String toJson(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

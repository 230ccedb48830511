package io.posduif.functions.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import io.posduif.functions.auth.Caller;
import io.posduif.functions.db.Db;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.schema.SchemaViews.SchemaView;
import io.posduif.functions.schema.SchemaViews.TableView;
import io.posduif.protocol.ErrorCode;

import java.util.List;

/**
 * {@code GET /api/app-instructions}: the runtime schema a device builds its SQLite from
 * (docs/protocol.md §4). Web-only tables never appear. With {@code from_version} the answer
 * also carries the statements that migrate a device database of that version in place.
 */
@Controller("/api")
@Secured(SecurityRule.IS_AUTHENTICATED)
final class AppInstructionsController {

    @Serdeable(naming = SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record SyncConfig(int batchSize, boolean compression, int syncIntervalSeconds, String sseUrl) {
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Migration(int fromVersion, int toVersion, List<String> sqlite) {
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AppInstructions(String version, String tenantId, String apiBaseUrl, SchemaView schema, SyncConfig syncConfig,
                           Migration migration) {
    }

    private final SchemaRegistry registry;
    private final Db db;
    private final String apiBaseUrl;
    private final String relayUrl;
    private final int batchSize;
    private final int intervalSeconds;

    AppInstructionsController(SchemaRegistry registry, Db db,
                              @Value("${posduif.functions.public-url:`http://localhost:8080`}") String apiBaseUrl,
                              @Value("${posduif.relay.public-url:`http://localhost:8081`}") String relayUrl,
                              @Value("${posduif.sync.batch-size:100}") int batchSize,
                              @Value("${posduif.sync.interval-seconds:300}") int intervalSeconds) {
        this.registry = registry;
        this.db = db;
        this.apiBaseUrl = trimSlash(apiBaseUrl);
        this.relayUrl = trimSlash(relayUrl);
        this.batchSize = batchSize;
        this.intervalSeconds = intervalSeconds;
    }

    @Get("/app-instructions")
    AppInstructions get(Caller caller, @Nullable @QueryValue("from_version") String fromVersion) {
        caller.requireDevice();
        TenantSchema schema = registry.current(caller.tenant());
        List<TableView> tables = schema.tables().stream().filter(TableDef::isOnDevice).map(t -> TableView.of(t, true)).toList();
        Migration migration = null;
        if (fromVersion != null) {
            int from;
            try {
                from = Integer.parseInt(fromVersion);
            } catch (NumberFormatException e) {
                throw new ApiException(ErrorCode.VALIDATION_ERROR, "from_version must be a schema version number");
            }
            if (from < 0 || from > schema.version()) {
                throw new ApiException(ErrorCode.VALIDATION_ERROR, "from_version must be between 0 and " + schema.version());
            }
            TenantSchema old = from == 0 ? TenantSchema.empty() : db.withConnection(c -> SchemaRegistry.loadVersion(c, caller.tenant(), from))
                    .map(SchemaRegistry.StoredVersion::schema)
                    .orElseThrow(() -> new ApiException(ErrorCode.VALIDATION_ERROR, "no schema version " + from));
            migration = new Migration(from, schema.version(), SqliteDdl.migrate(old, schema));
        }
        return new AppInstructions(Integer.toString(schema.version()), caller.tenant().value(), apiBaseUrl,
                new SchemaView(schema.version(), schema.checksum(), tables),
                new SyncConfig(batchSize, true, intervalSeconds, relayUrl + "/sse/mobile/{device_id}"), migration);
    }

    private static String trimSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}

package io.posduif.functions.sync;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.schema.ConflictPolicy;
import io.posduif.functions.support.DocumentedSchemas;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Push, pull and the conflict API read and write raw bytes or maps, so the OpenAPI document
 * describes them with documentation-only records ({@link SyncWire}, {@link ConflictsWire}); this
 * holds those records to what the endpoints really accept and answer, every push result status
 * and both change kinds included.
 */
@MicronautTest
class PushAndPullBodiesMatchTheirDocumentedSchemaTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    TestSchemas schemas;
    @Inject
    JsonMapper json;
    @Inject
    @Client("/")
    HttpClient http;

    SyncHttp sync;
    DocumentedSchemas documented;
    Fixtures.User user;
    Fixtures.Device phone;
    Fixtures.Device tablet;

    @BeforeAll
    void setUp() {
        sync = new SyncHttp(http, json);
        documented = new DocumentedSchemas(http);
        TenantId tenant = fixtures.newTenant("oaswire");
        schemas.apply(tenant, List.of(SyncTables.notes(ConflictPolicy.MANUAL),
                SyncTables.notes("memos", ConflictPolicy.LWW, new OwnerFilter("memos", "owner"))));
        user = fixtures.mobileUser(tenant);
        phone = fixtures.device(tenant, user.id());
        tablet = fixtures.device(tenant, user.id());
    }

    private void conforms(Object value, String schema) {
        List<String> v = documented.violations(value, schema);
        assertTrue(v.isEmpty(), schema + " " + v + " in " + value);
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyPushResultAndPullChangeIsTheDocumentedShape() {
        String owner = user.id().toString();
        UUID note = UUID.randomUUID();
        UUID memo = UUID.randomUUID();
        Map<String, Object> applied = SyncHttp.upsert("notes", note, Map.of("owner", owner, "body", "phone"), "2024-01-15T10:35:00.000Z");
        Map<String, Object> memoUp = SyncHttp.upsert("memos", memo, Map.of("owner", owner, "body", "m", "n", 3), "2024-01-15T10:35:00.000Z");
        Map<String, Object> unknown = SyncHttp.upsert("nope", UUID.randomUUID(), Map.of(), "2024-01-15T10:35:00.000Z");
        Map<String, Object> first = Map.of("ops", List.of(applied, memoUp, unknown));
        conforms(first, "PushRequest");
        Map<String, Object> answer = sync.pushRaw(phone, first);
        conforms(answer, "PushResponse");
        List<Map<String, Object>> results = (List<Map<String, Object>>) answer.get("results");
        assertEquals(List.of("applied", "applied", "rejected"), results.stream().map(r -> r.get("status")).toList());

        // the tablet never pulled: its write of the same row of a manual table is a stored conflict
        Map<String, Object> late = SyncHttp.upsert("notes", note, Map.of("owner", owner, "body", "tablet"), "2024-01-15T10:36:00.000Z");
        Map<String, Object> memoDel = SyncHttp.delete("memos", memo, "2024-01-15T10:37:00.000Z");
        Map<String, Object> second = Map.of("ops", List.of(late, memoDel));
        conforms(second, "PushRequest");
        Map<String, Object> answer2 = sync.pushRaw(tablet, second);
        conforms(answer2, "PushResponse");
        Map<String, Object> conflict = ((List<Map<String, Object>>) answer2.get("results")).get(0);
        assertEquals("conflict", conflict.get("status"), answer2.toString());
        assertTrue(conflict.containsKey("server_row") && conflict.containsKey("conflict_id"), conflict.toString());

        // replays: every status a replay can carry, with original_status and the rejected op's code
        Map<String, Object> replay = sync.pushRaw(phone, first);
        conforms(replay, "PushResponse");
        Set<Object> original = ((List<Map<String, Object>>) replay.get("results")).stream()
                .map(r -> r.get("original_status")).collect(Collectors.toSet());
        assertEquals(Set.of("applied", "rejected"), original, replay.toString());

        // the parked write, as the web API lists and resolves it
        Fixtures.User web = fixtures.webUser(user.tenant());
        Map<String, Object> list = web(HttpRequest.GET("/api/conflicts?status=all"), web);
        conforms(list, "ConflictList");
        assertEquals(1, ((List<?>) list.get("conflicts")).size(), list.toString());
        Map<String, Object> resolution = Map.of("resolution", "merged", "row", Map.of("body", "both"));
        conforms(resolution, "ConflictResolution");
        Map<String, Object> resolved = web(HttpRequest.POST("/api/conflicts/" + conflict.get("conflict_id") + "/resolve", resolution), web);
        conforms(resolved, "Conflict");
        assertEquals("resolved", resolved.get("status"));
        conforms(web(HttpRequest.GET("/api/conflicts?status=resolved"), web), "ConflictList");

        Map<String, Object> page = sync.pull(phone, null);
        conforms(page, "PullResponse");
        Set<Object> ops = ((List<Map<String, Object>>) page.get("changes")).stream().map(c -> c.get("op")).collect(Collectors.toSet());
        assertEquals(Set.of("upsert", "delete"), ops, page.toString());
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> web(MutableHttpRequest<?> request, Fixtures.User web) {
        try {
            return json.readValue(http.toBlocking().retrieve(request.contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(web.token())), Map.class);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theValidatorRefusesWhatTheDocumentDoesNotAllow() {
        // a check that cannot fail checks nothing
        assertTrue(!documented.violations(Map.of("results", List.of(Map.of("op_id", "x", "status", "lost"))), "PushResponse").isEmpty());
        assertTrue(!documented.violations(Map.of("ops", List.of(Map.of("op_id", "x", "table", "t", "op", "upsert", "pk", Map.of(),
                "client_ts", "2024-01-15T10:35:00.000Z", "extra", 1))), "PushRequest").isEmpty());
        assertTrue(!documented.violations(Map.of("changes", List.of(), "cursor", "c", "has_more", "no", "schema_version", 1),
                "PullResponse").isEmpty());
    }
}

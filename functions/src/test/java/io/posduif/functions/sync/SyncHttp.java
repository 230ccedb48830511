package io.posduif.functions.sync;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.client.HttpClient;
import io.micronaut.json.JsonMapper;
import io.posduif.functions.support.Fixtures;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Push and pull over real HTTP, for sync tests. */
record SyncHttp(HttpClient http, JsonMapper json) {

    static Map<String, Object> upsert(String table, Object id, Map<String, Object> data, String clientTs) {
        Map<String, Object> op = new LinkedHashMap<>();
        op.put("op_id", UUID.randomUUID().toString());
        op.put("table", table);
        op.put("op", "upsert");
        op.put("pk", Map.of("id", id.toString()));
        Map<String, Object> d = new HashMap<>(data);
        d.put("id", id.toString());
        op.put("data", d);
        op.put("client_ts", clientTs);
        return op;
    }

    static Map<String, Object> delete(String table, Object id, String clientTs) {
        Map<String, Object> op = new LinkedHashMap<>();
        op.put("op_id", UUID.randomUUID().toString());
        op.put("table", table);
        op.put("op", "delete");
        op.put("pk", Map.of("id", id.toString()));
        op.put("client_ts", clientTs);
        return op;
    }

    /**
     * How often each op id was answered {@code applied} across several deliveries' answers; every
     * other result is handed to {@code otherwise} (which asserts what it must be).
     */
    static Map<String, Integer> appliedPerOpId(List<List<Map<String, Object>>> answers, java.util.function.Consumer<Map<String, Object>> otherwise) {
        Map<String, Integer> applied = new HashMap<>();
        for (List<Map<String, Object>> answer : answers) {
            for (Map<String, Object> r : answer) {
                if ("applied".equals(r.get("status"))) {
                    applied.merge((String) r.get("op_id"), 1, Integer::sum);
                } else {
                    otherwise.accept(r);
                }
            }
        }
        return applied;
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> push(Fixtures.Device d, Map<?, ?>... ops) {
        return (List<Map<String, Object>>) pushRaw(d, Map.of("ops", Arrays.asList(ops))).get("results");
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> pushRaw(Fixtures.Device d, Object body) {
        try {
            String text = body instanceof String s ? s : json.writeValueAsString(body);
            String answer = http.toBlocking().retrieve(HttpRequest.POST("/api/sync/push", text)
                    .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(d.token()));
            return json.readValue(answer, Map.class);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> pull(Fixtures.Device d, String cursor) {
        try {
            return json.readValue(http.toBlocking().retrieve(HttpRequest.GET("/api/sync/pull?cursor=" + (cursor == null ? "0" : cursor))
                    .bearerAuth(d.token())), Map.class);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}

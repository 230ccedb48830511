package io.posduif.functions.support;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.client.HttpClient;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a real JSON value against a schema of the served OpenAPI document: the subset of
 * OpenAPI 3.0 the document uses ($ref, type, properties, required, additionalProperties,
 * items, enum, nullable). Unknown properties are violations unless additionalProperties allows
 * them, so a field the code sends but the document misses fails as surely as a missing one.
 */
public final class DocumentedSchemas {

    private final Map<String, Object> schemas;

    @SuppressWarnings("unchecked")
    public DocumentedSchemas(HttpClient http) {
        Map<String, Object> doc = new Yaml(new SafeConstructor(new LoaderOptions()))
                .load(http.toBlocking().retrieve(HttpRequest.GET("/openapi.yml")));
        this.schemas = (Map<String, Object>) ((Map<String, Object>) doc.get("components")).get("schemas");
    }

    /** The violations of {@code value} against {@code components.schemas.<name>}; empty when it conforms. */
    public List<String> violations(Object value, String name) {
        List<String> out = new ArrayList<>();
        if (!schemas.containsKey(name)) {
            out.add("no schema " + name + " in the document");
            return out;
        }
        check(value, Map.of("$ref", "#/components/schemas/" + name), "$", out);
        return out;
    }

    @SuppressWarnings("unchecked")
    private void check(Object v, Map<String, Object> schema, String at, List<String> out) {
        if (schema.get("$ref") instanceof String ref) {
            Object target = schemas.get(ref.substring(ref.lastIndexOf('/') + 1));
            if (target == null) {
                out.add(at + ": dangling " + ref);
                return;
            }
            schema = (Map<String, Object>) target;
        }
        if (v == null) {
            if (!Boolean.TRUE.equals(schema.get("nullable"))) {
                out.add(at + ": null, but not nullable");
            }
            return;
        }
        if (schema.get("enum") instanceof List<?> values && !values.contains(v)) {
            out.add(at + ": " + v + " not in " + values);
        }
        String type = (String) schema.get("type");
        if (type == null) {
            return;
        }
        switch (type) {
            case "object" -> {
                if (!(v instanceof Map<?, ?> m)) {
                    out.add(at + ": expected object, got " + v.getClass().getSimpleName());
                    return;
                }
                Map<String, Object> props = (Map<String, Object>) schema.getOrDefault("properties", Map.of());
                for (Object req : (List<Object>) schema.getOrDefault("required", List.of())) {
                    if (!m.containsKey(req)) {
                        out.add(at + ": required property " + req + " missing");
                    }
                }
                Object additional = schema.get("additionalProperties");
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    String key = String.valueOf(e.getKey());
                    if (props.get(key) instanceof Map<?, ?> p) {
                        check(e.getValue(), (Map<String, Object>) p, at + "." + key, out);
                    } else if (additional instanceof Map<?, ?> a) {
                        check(e.getValue(), (Map<String, Object>) a, at + "." + key, out);
                    } else if (!Boolean.TRUE.equals(additional)) {
                        out.add(at + ": property " + key + " is not documented");
                    }
                }
            }
            case "array" -> {
                if (!(v instanceof List<?> l)) {
                    out.add(at + ": expected array");
                    return;
                }
                for (int i = 0; i < l.size(); i++) {
                    check(l.get(i), (Map<String, Object>) schema.getOrDefault("items", Map.of()), at + "[" + i + "]", out);
                }
            }
            case "string" -> {
                if (!(v instanceof String)) {
                    out.add(at + ": expected string, got " + v);
                }
            }
            case "integer" -> {
                if (!(v instanceof Integer || v instanceof Long || v instanceof java.math.BigInteger)) {
                    out.add(at + ": expected integer, got " + v);
                }
            }
            case "number" -> {
                if (!(v instanceof Number)) {
                    out.add(at + ": expected number, got " + v);
                }
            }
            case "boolean" -> {
                if (!(v instanceof Boolean)) {
                    out.add(at + ": expected boolean, got " + v);
                }
            }
            default -> out.add(at + ": unknown type " + type);
        }
    }
}

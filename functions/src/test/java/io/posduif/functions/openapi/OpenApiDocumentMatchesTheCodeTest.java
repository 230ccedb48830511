package io.posduif.functions.openapi;

import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.web.router.Router;
import io.micronaut.web.router.UriRouteInfo;
import io.posduif.functions.support.StackTest;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The OpenAPI document is generated from the controllers, so it can only go stale in two
 * ways, and each has a test here: the copy committed at {@code docs/openapi.yml} is older than
 * the code, or an endpoint reaches the router without reaching the document.
 */
@MicronautTest
class OpenApiDocumentMatchesTheCodeTest extends StackTest {

    /** How to refresh the committed copy; also the failure message. */
    static final String REFRESH = "./mvnw -B -pl functions -Popenapi-sync test   (then commit docs/openapi.yml)";

    @Inject
    @Client("/")
    HttpClient http;

    @Inject
    Router router;

    private String served() {
        HttpResponse<String> res = http.toBlocking().exchange(HttpRequest.GET("/openapi.yml"), String.class);
        assertEquals(HttpStatus.OK, res.status());
        assertTrue(res.getContentType().orElseThrow().toString().startsWith("application/yaml"), res.getContentType().toString());
        return res.body();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> doc() {
        return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(served());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> m(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    void isServedToAnonymousCallersAsOpenApiYaml() {
        Map<String, Object> doc = doc();
        assertTrue(String.valueOf(doc.get("openapi")).startsWith("3."));
        assertEquals("Posduif", m(doc.get("info")).get("title"));
        assertEquals(Set.of("webToken", "deviceToken", "operatorToken"),
                m(m(doc.get("components")).get("securitySchemes")).keySet());
    }

    @Test
    void committedCopyInDocsIsTheGeneratedOne() throws IOException {
        Path committed = repositoryRoot().resolve("docs/openapi.yml");
        String current = served();
        String old = Files.exists(committed) ? Files.readString(committed, StandardCharsets.UTF_8) : "";
        if (current.equals(old)) {
            return;
        }
        if (Boolean.getBoolean("posduif.openapi.write")) {
            Files.writeString(committed, current, StandardCharsets.UTF_8);
            System.out.println("[openapi-sync] wrote " + committed);
            return;
        }
        fail("docs/openapi.yml differs from the document generated from the controllers (" + firstDifference(old, current)
                + "). Refresh it with:\n    " + REFRESH);
    }

    @Test
    void everyRouteOfTheRunningApplicationIsDocumented() {
        Map<String, Object> paths = m(doc().get("paths"));
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (UriRouteInfo<?, ?> r : router.uriRoutes().filter(OpenApiDocumentMatchesTheCodeTest::ours).toList()) {
            String path = RoutePaths.of(r);
            String method = r.getHttpMethodName().toLowerCase(Locale.ROOT);
            Object item = paths.get(path);
            // Micronaut answers HEAD wherever there is a GET; HTTP implies it, OpenAPI doesn't list it
            boolean documented = item instanceof Map<?, ?> ops
                    && (ops.containsKey(method) || method.equals("head") && ops.containsKey("get"));
            if (!documented) {
                missing.add(r.getHttpMethodName() + " " + path + " (" + r.getTargetMethod() + ")");
            }
            checked++;
        }
        assertTrue(missing.isEmpty(), "routes missing from the OpenAPI document (a controller the generator did not see, "
                + "or one marked @Hidden): " + missing);
        assertTrue(checked >= 2, "only " + checked + " application routes found");
    }

    @Test
    void everyDocumentedOperationIsARoute() {
        Set<String> routes = new TreeSet<>();
        router.uriRoutes().filter(OpenApiDocumentMatchesTheCodeTest::ours)
                .forEach(r -> routes.add(r.getHttpMethodName() + " " + RoutePaths.of(r)));
        List<String> ghosts = new ArrayList<>();
        m(doc().get("paths")).forEach((path, item) -> m(item).keySet().stream()
                .filter(k -> List.of("get", "put", "post", "delete", "patch", "head", "options").contains(k))
                .forEach(method -> {
                    if (!routes.contains(method.toUpperCase(Locale.ROOT) + " " + path)) {
                        ghosts.add(method.toUpperCase(Locale.ROOT) + " " + path);
                    }
                }));
        assertTrue(ghosts.isEmpty(), "documented operations that no route serves: " + ghosts + "; routes: " + routes);
    }

    @Test
    void everyOperationAnswersErrorsWithTheWireErrorBody() {
        Map<String, Object> doc = doc();
        Map<String, Object> components = m(doc.get("components"));
        Map<String, Object> error = m(m(components.get("responses")).get("Error"));
        assertEquals("#/components/schemas/ErrorBody",
                m(m(m(error.get("content")).get("application/json")).get("schema")).get("$ref"));
        Map<String, Object> schemas = m(components.get("schemas"));
        assertEquals("#/components/schemas/ErrorBody.Error",
                m(m(m(schemas.get("ErrorBody")).get("properties")).get("error")).get("$ref"));
        Map<String, Object> errorProps = m(m(schemas.get("ErrorBody.Error")).get("properties"));
        assertEquals(Set.of("code", "message", "details"), errorProps.keySet());
        assertEquals(Arrays.stream(ErrorCode.values()).map(Enum::name).toList(), m(errorProps.get("code")).get("enum"));

        int operations = 0;
        for (Map.Entry<String, Object> path : m(doc.get("paths")).entrySet()) {
            for (Map.Entry<String, Object> op : m(path.getValue()).entrySet()) {
                Map<String, Object> responses = m(m(op.getValue()).get("responses"));
                assertNotNull(responses, op.getKey() + " " + path.getKey());
                for (String range : List.of("4XX", "5XX")) {
                    assertEquals("#/components/responses/Error", m(responses.get(range)).get("$ref"),
                            range + " of " + op.getKey() + " " + path.getKey());
                }
                operations++;
            }
        }
        assertTrue(operations >= 2, "only " + operations + " operations documented");
    }

    @Test
    void everyReferenceResolvesAndEveryPathParameterIsDeclared() {
        Map<String, Object> doc = doc();
        Map<String, Object> schemas = m(m(doc.get("components")).get("schemas"));
        Map<String, Object> responses = m(m(doc.get("components")).get("responses"));
        List<String> broken = new ArrayList<>();
        walk(doc, node -> {
            if (node.get("$ref") instanceof String ref) {
                String name = ref.substring(ref.lastIndexOf('/') + 1);
                boolean ok = ref.startsWith("#/components/schemas/") ? schemas.containsKey(name)
                        : ref.startsWith("#/components/responses/") && responses.containsKey(name);
                if (!ok) {
                    broken.add(ref);
                }
            }
        });
        assertTrue(broken.isEmpty(), "dangling references: " + broken);
        m(doc.get("paths")).forEach((path, item) -> m(item).forEach((method, op) -> {
            Set<String> declared = new TreeSet<>();
            for (Object p : (List<Object>) m(op).getOrDefault("parameters", List.of())) {
                if ("path".equals(m(p).get("in"))) {
                    declared.add((String) m(p).get("name"));
                }
            }
            Set<String> inPath = new TreeSet<>();
            java.util.regex.Matcher v = java.util.regex.Pattern.compile("\\{([^}]+)}").matcher(path);
            while (v.find()) {
                inPath.add(v.group(1));
            }
            assertEquals(inPath, declared, "path parameters of " + method + " " + path);
            assertTrue(m(m(op).get("responses")).keySet().stream().anyMatch(c -> c.startsWith("2")), "no 2xx answer: " + method + " " + path);
        }));
    }

    /**
     * The point of the document is client generation: a JSON body documented as bytes
     * ({@code @Body byte[]}) or as a map of anything ({@code Map<String, Object>} answers) says
     * nothing a generator can use. Endpoints that keep raw bytes name a documented wire shape.
     */
    @Test
    void noJsonBodyIsDocumentedAsBytesOrAsAnUntypedMap() {
        List<String> untyped = new ArrayList<>();
        m(doc().get("paths")).forEach((path, item) -> m(item).forEach((method, op) -> {
            Map<String, Object> operation = m(op);
            List<Map.Entry<String, Object>> bodies = new ArrayList<>();
            if (operation.get("requestBody") instanceof Map<?, ?> rb) {
                bodies.add(Map.entry("request", rb.get("content")));
            }
            m(operation.get("responses")).forEach((code, r) -> {
                if (code.startsWith("2") && m(r).get("content") != null) {
                    bodies.add(Map.entry(code, m(r).get("content")));
                }
            });
            for (Map.Entry<String, Object> b : bodies) {
                Object json = m(b.getValue()).get("application/json");
                if (json == null) {
                    continue;
                }
                Map<String, Object> schema = m(m(json).get("schema"));
                boolean typed = schema != null && (schema.containsKey("$ref") || schema.containsKey("properties")
                        || "array".equals(schema.get("type")) && m(schema.get("items")).containsKey("$ref"));
                if (!typed) {
                    untyped.add(method + " " + path + " " + b.getKey() + ": " + schema);
                }
            }
        }));
        assertTrue(untyped.isEmpty(), "JSON bodies without a documented shape: " + untyped);
    }

    @SuppressWarnings("unchecked")
    private static void walk(Object node, java.util.function.Consumer<Map<String, Object>> visit) {
        if (node instanceof Map<?, ?> map) {
            visit.accept((Map<String, Object>) map);
            map.values().forEach(v -> walk(v, visit));
        } else if (node instanceof List<?> list) {
            list.forEach(v -> walk(v, visit));
        }
    }

    @Test
    void documentedPropertyNamesAreTheOnesOnTheWire() {
        // the generator does not read serde's naming strategy; openapi.properties tells it snake_case.
        // Check it against what an endpoint really sends.
        Map<String, Object> body = http.toBlocking().retrieve(HttpRequest.GET("/api/console/config"),
                Argument.mapOf(String.class, Object.class));
        Map<String, Object> doc = doc();
        Map<String, Object> op = m(m(m(doc.get("paths")).get("/api/console/config")).get("get"));
        String ref = (String) m(m(m(m(m(op.get("responses")).get("200")).get("content")).get("application/json")).get("schema")).get("$ref");
        Map<String, Object> schema = m(m(m(doc.get("components")).get("schemas")).get(ref.substring(ref.lastIndexOf('/') + 1)));
        Set<String> documented = m(schema.get("properties")).keySet();
        assertTrue(documented.containsAll(body.keySet()), "sent " + body.keySet() + ", documented " + documented);
        assertTrue(documented.contains("relay_url"), documented.toString());
        // anonymous endpoints carry no security requirement
        assertTrue(!op.containsKey("security"), op.toString());
    }

    /**
     * Routes the application declares: Posduif's controllers, not test controllers (built from
     * test-classes) and not the framework's management endpoints or security controllers, which
     * their own configuration switches on and off.
     */
    static boolean ours(UriRouteInfo<?, ?> route) {
        Class<?> type = route.getTargetMethod().getDeclaringType();
        if (!type.getName().startsWith("io.posduif.")) {
            return false;
        }
        var source = type.getProtectionDomain().getCodeSource();
        return source == null || !source.getLocation().toString().contains("test-classes");
    }

    static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("docs/protocol.md"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find the repository root (docs/protocol.md) above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    private static String firstDifference(String a, String b) {
        String[] x = a.split("\n", -1);
        String[] y = b.split("\n", -1);
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            if (!x[i].equals(y[i])) {
                return "line " + (i + 1) + ": committed `" + x[i].strip() + "`, generated `" + y[i].strip() + "`";
            }
        }
        return "committed has " + x.length + " lines, generated " + y.length;
    }
}

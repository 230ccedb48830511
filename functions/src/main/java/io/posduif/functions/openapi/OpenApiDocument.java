package io.posduif.functions.openapi;

import io.micronaut.context.BeanContext;
import io.micronaut.core.type.Argument;
import io.micronaut.inject.BeanDefinition;
import io.micronaut.web.router.Router;
import io.micronaut.web.router.UriRouteInfo;
import io.posduif.functions.auth.Caller;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Singleton;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.representer.Representer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The served OpenAPI document: what micronaut-openapi generated from the controllers at compile
 * time, completed with what it cannot see there.
 *
 * <ul>
 *   <li>Every operation answers 4XX and 5XX with the one error body of docs/protocol.md §2
 *   ({@code components.responses.Error}); OpenAPI 3.0 has no global responses, so each
 *   operation gets a reference.</li>
 *   <li>A {@code Map<String, Object>} holds any JSON values, but the generator writes its values as
 *   {@code additionalProperties: {type: object}} (values are objects); that becomes
 *   {@code additionalProperties: true}, so that a row's strings and numbers are valid.</li>
 *   <li>Security comes from the running router: a route that binds a {@link Caller} needs a web
 *   or device token; a controller that checks the operator token needs that; anything else is
 *   anonymous. Annotations can't say this: identity's controllers are {@code @Secured(isAnonymous())}
 *   and authenticate in the {@code Caller} binder.</li>
 * </ul>
 *
 * <p>Built on first request (not at start-up, so Lambda's init and SnapStart snapshots don't pay
 * for it) and then cached: the routes of a running application don't change.
 */
@Singleton
class OpenApiDocument {

    static final String GENERATED = "META-INF/swagger/posduif.yml";
    private static final String OPERATOR_TOKEN_TYPE = "io.posduif.functions.ops.OperatorToken";
    private static final List<String> METHODS = List.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final String ERROR_REF = "#/components/responses/Error";

    private final Router router;
    private final BeanContext beans;
    private volatile String yaml;

    OpenApiDocument(Router router, BeanContext beans) {
        this.router = router;
        this.beans = beans;
    }

    /** The document as YAML. */
    String yaml() {
        String y = yaml;
        if (y == null) {
            synchronized (this) {
                if (yaml == null) {
                    yaml = dump(complete(load()));
                }
                y = yaml;
            }
        }
        return y;
    }

    static Map<String, Object> load() {
        try (InputStream in = OpenApiDocument.class.getClassLoader().getResourceAsStream(GENERATED)) {
            if (in == null) {
                throw new IllegalStateException(GENERATED + " is missing: the micronaut-openapi annotation processor did not run");
            }
            return new Yaml(new SafeConstructor(new LoaderOptions())).load(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> complete(Map<String, Object> doc) {
        Map<String, Object> paths = (Map<String, Object>) doc.getOrDefault("paths", Map.of());
        for (Map.Entry<String, Object> path : paths.entrySet()) {
            Map<String, Object> item = (Map<String, Object>) path.getValue();
            for (String method : METHODS) {
                Object op = item.get(method);
                if (op instanceof Map<?, ?> operation) {
                    completeOperation(path.getKey(), method, (Map<String, Object>) operation);
                }
            }
        }
        anyValues(doc);
        if (doc.get("tags") instanceof List<?> tags && tags.isEmpty()) {
            doc.remove("tags");
        }
        Map<String, Object> components = (Map<String, Object>) doc.computeIfAbsent("components", k -> new LinkedHashMap<>());
        Map<String, Object> responses = (Map<String, Object>) components.computeIfAbsent("responses", k -> new LinkedHashMap<>());
        Map<String, Object> schemas = (Map<String, Object>) components.computeIfAbsent("schemas", k -> new LinkedHashMap<>());
        if (schemas.get("ErrorBody.Error") instanceof Map<?, ?> error
                && error.get("properties") instanceof Map<?, ?> props
                && props.get("code") instanceof Map<?, ?> code) {
            // the closed set of codes, straight from the one enum (docs/protocol.md §2)
            List<String> codes = new ArrayList<>();
            for (ErrorCode c : ErrorCode.values()) {
                codes.add(c.name());
            }
            ((Map<String, Object>) code).put("enum", codes);
        }
        responses.put("Error", map(
                "description", "Error (docs/protocol.md §2). `code` is an ErrorCode constant, which fixes the HTTP status.",
                "content", map("application/json", map("schema", map("$ref", "#/components/schemas/ErrorBody")))));
        return doc;
    }

    /** {@code additionalProperties: {type: object}}, anywhere, is what the generator makes of {@code Object} values. */
    @SuppressWarnings("unchecked")
    private static void anyValues(Object node) {
        if (node instanceof Map<?, ?> m) {
            if (m.get("additionalProperties") instanceof Map<?, ?> a && a.size() == 1 && "object".equals(a.get("type"))) {
                ((Map<String, Object>) m).put("additionalProperties", true);
            }
            m.values().forEach(OpenApiDocument::anyValues);
        } else if (node instanceof List<?> l) {
            l.forEach(OpenApiDocument::anyValues);
        }
    }

    @SuppressWarnings("unchecked")
    private void completeOperation(String path, String method, Map<String, Object> operation) {
        Map<String, Object> responses = (Map<String, Object>) operation.computeIfAbsent("responses", k -> new LinkedHashMap<>());
        responses.put("4XX", map("$ref", ERROR_REF));
        responses.put("5XX", map("$ref", ERROR_REF));
        route(path, method).ifPresent(route -> {
            List<Object> security = security(route);
            if (!security.isEmpty()) {
                operation.put("security", security);
            }
        });
    }

    private Optional<UriRouteInfo<?, ?>> route(String path, String method) {
        String m = method.toUpperCase(Locale.ROOT);
        return router.uriRoutes()
                .filter(r -> r.getHttpMethodName().equals(m) && RoutePaths.of(r).equals(path))
                .findFirst();
    }

    private List<Object> security(UriRouteInfo<?, ?> route) {
        List<Object> alternatives = new ArrayList<>();
        for (Argument<?> a : route.getTargetMethod().getArguments()) {
            if (a.getType() == Caller.class) {
                alternatives.add(map(ApiDefinition.WEB_TOKEN, new ArrayList<>()));
                alternatives.add(map(ApiDefinition.DEVICE_TOKEN, new ArrayList<>()));
                return alternatives;
            }
        }
        Optional<? extends BeanDefinition<?>> bean = beans.findBeanDefinition(route.getTargetMethod().getDeclaringType());
        boolean operator = bean.map(b -> {
            for (Argument<?> a : b.getConstructor().getArguments()) {
                if (a.getType().getName().equals(OPERATOR_TOKEN_TYPE)) {
                    return true;
                }
            }
            return false;
        }).orElse(false);
        if (operator) {
            alternatives.add(map(ApiDefinition.OPERATOR_TOKEN, new ArrayList<>()));
        }
        return alternatives;
    }

    static String dump(Map<String, Object> doc) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setIndicatorIndent(0);
        options.setSplitLines(false);
        options.setWidth(Integer.MAX_VALUE);
        options.setDereferenceAliases(true);
        return new Yaml(new Representer(options), options).dump(doc);
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}

package io.posduif.functions.openapi;

import io.micronaut.web.router.UriRouteInfo;

/** A route's path as OpenAPI writes it: {@code /api/x/{id}}, without query templates or variable patterns. */
final class RoutePaths {

    private RoutePaths() {
    }

    static String of(UriRouteInfo<?, ?> route) {
        String p = route.getUriMatchTemplate().toPathString();
        int q = p.indexOf("{?");
        if (q >= 0) {
            p = p.substring(0, q);
        }
        // {name:regex} and {+name} / {/name} forms name the same variable
        p = p.replaceAll("\\{[+/#.;]?([A-Za-z0-9_-]+)(:[^}]*)?}", "{$1}");
        if (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.isEmpty() ? "/" : p;
    }
}

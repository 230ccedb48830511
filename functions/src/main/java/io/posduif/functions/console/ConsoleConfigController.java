package io.posduif.functions.console;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;

/**
 * Tells the web console, before anyone signs in, where the SSE relay lives.
 *
 * <p>The console is static files, so it cannot be templated per deployment; the relay runs on
 * another origin (port 8081 locally, a load balancer in AWS) that only the server's
 * configuration knows. Nothing here is secret: it is what a browser would see anyway.
 */
@Controller("/api/console")
@Secured(SecurityRule.IS_ANONYMOUS)
class ConsoleConfigController {

    private final ConsoleConfig config;

    ConsoleConfigController(@Value("${posduif.relay.public-url:}") String relayPublicUrl,
                            @Value("${posduif.relay.url:}") String relayUrl,
                            @Value("${posduif.console.default-tenant:}") String consoleTenant,
                            @Value("${posduif.default-tenant:}") String defaultTenant) {
        // the same property app-instructions gives devices; posduif.relay.url only if it is unset
        String relay = firstSet(relayPublicUrl, relayUrl, "http://localhost:8081");
        this.config = new ConsoleConfig(stripSlash(relay), firstSet(consoleTenant, defaultTenant, null));
    }

    private static String firstSet(String a, String b, String otherwise) {
        if (a != null && !a.isBlank()) {
            return a.trim();
        }
        return b != null && !b.isBlank() ? b.trim() : otherwise;
    }

    @Get("/config")
    HttpResponse<ConsoleConfig> config() {
        return HttpResponse.ok(config).header(HttpHeaders.CACHE_CONTROL, "no-cache");
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /**
     * @param relayUrl      base URL of the SSE relay as a browser reaches it (no trailing slash)
     * @param defaultTenant tenant pre-filled on the sign-in form, when a deployment serves one tenant
     */
    @Serdeable(naming = SnakeCaseStrategy.class)
    record ConsoleConfig(String relayUrl, @Nullable String defaultTenant) {
    }
}

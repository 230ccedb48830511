package io.posduif.relay.sse;

import io.posduif.relay.RelayConfig;
import jakarta.inject.Singleton;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which browser origins may read the streams ({@code posduif.relay.allowed-origin}). The answer
 * names the request's own origin (with {@code Vary: Origin}) only when it is on the list, so the
 * default — an empty list — lets no other site's page read a stream, even with a leaked token.
 * Devices and other non-browser clients send no {@code Origin} and are not affected.
 */
@Singleton
final class Cors {

    private final Set<String> allowed;
    private final boolean any;

    Cors(RelayConfig config) {
        String list = config.allowedOrigin() == null ? "" : config.allowedOrigin();
        this.allowed = Arrays.stream(list.split(",")).map(String::trim).map(Cors::normalise)
                .filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet());
        this.any = allowed.contains("*");
    }

    /** The {@code Access-Control-Allow-Origin} value for this request, or null for none. */
    String allow(String requestOrigin) {
        if (requestOrigin == null || requestOrigin.isBlank()) {
            return null;
        }
        if (any) {
            return "*";
        }
        return allowed.contains(normalise(requestOrigin.trim())) ? requestOrigin.trim() : null;
    }

    /** Origins compare without a trailing slash and case-insensitively (scheme and host are). */
    private static String normalise(String origin) {
        String o = origin.endsWith("/") ? origin.substring(0, origin.length() - 1) : origin;
        return o.toLowerCase(java.util.Locale.ROOT);
    }
}

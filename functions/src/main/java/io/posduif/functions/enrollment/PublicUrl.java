package io.posduif.functions.enrollment;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import jakarta.inject.Singleton;

import java.util.regex.Pattern;

/**
 * The base URL devices should call, for QR codes and {@code app_instructions_url}.
 *
 * <p>Configured ({@code posduif.public-url}) in production, because behind a Function URL or a
 * proxy the request's own Host may not be what a phone can reach. Locally it falls back to the
 * request's Host, checked so that a forged Host cannot inject anything but a host name.
 */
@Singleton
final class PublicUrl {

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+](:[0-9]{1,5})?");

    private final String configured;

    PublicUrl(@Nullable @Value("${posduif.public-url:}") String configured) {
        this.configured = configured == null || configured.isBlank() ? null : configured.replaceAll("/+$", "");
    }

    String of(HttpRequest<?> request) {
        if (configured != null) {
            return configured;
        }
        String host = request.getHeaders().get("Host");
        if (host == null || !HOST.matcher(host).matches()) {
            host = "localhost";
        }
        String proto = request.getHeaders().get("X-Forwarded-Proto");
        String scheme = "https".equals(proto) || request.isSecure() ? "https" : "http";
        return scheme + "://" + host;
    }
}

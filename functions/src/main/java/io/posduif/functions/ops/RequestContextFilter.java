package io.posduif.functions.ops;

import io.micronaut.context.propagation.slf4j.MdcPropagationContext;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.core.order.Ordered;
import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Filter;
import io.micronaut.http.filter.HttpServerFilter;
import io.micronaut.http.filter.ServerFilterChain;
import io.micronaut.http.filter.ServerFilterPhase;
import io.micronaut.security.authentication.Authentication;
import io.posduif.functions.auth.TokenIssuer;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Puts {@code request_id} and {@code tenant} into the logging context of every request and
 * logs one line per request, so that any log line can be traced to a request and a tenant.
 *
 * <p>The request id is the client's {@code X-Request-ID} when it is a plausible id (it ends up
 * in logs, so nothing else is trusted), else a fresh UUID; it is echoed in the response. The
 * tenant is read from the validated token, so it runs after security.
 */
@Filter(Filter.MATCH_ALL_PATTERN)
final class RequestContextFilter implements HttpServerFilter {

    static final String HEADER = "X-Request-ID";
    static final String MDC_REQUEST_ID = "request_id";
    static final String MDC_TENANT = "tenant";
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Logger ACCESS = LoggerFactory.getLogger("io.posduif.access");

    @Override
    public int getOrder() {
        return ServerFilterPhase.SECURITY.after() + 1;
    }

    @Override
    public Publisher<MutableHttpResponse<?>> doFilter(HttpRequest<?> request, ServerFilterChain chain) {
        String given = request.getHeaders().get(HEADER);
        String requestId = given != null && SAFE_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
        String tenant = request.getUserPrincipal(Authentication.class)
                .map(a -> a.getAttributes().get(TokenIssuer.CLAIM_TENANT))
                .filter(String.class::isInstance).map(String.class::cast).orElse(null);
        Map<String, String> context = tenant == null
                ? Map.of(MDC_REQUEST_ID, requestId)
                : Map.of(MDC_REQUEST_ID, requestId, MDC_TENANT, tenant);
        long start = System.nanoTime();
        Map<String, String> previous = MDC.getCopyOfContextMap();
        context.forEach(MDC::put);
        try (PropagatedContext.Scope ignored = PropagatedContext.getOrEmpty().plus(new MdcPropagationContext(context)).propagate()) {
            return Publishers.map(chain.proceed(request), response -> {
                response.header(HEADER, requestId);
                Map<String, String> before = MDC.getCopyOfContextMap();
                context.forEach(MDC::put);
                try {
                    ACCESS.info("{} {} {} {}ms", request.getMethod(), request.getPath(), response.code(),
                            (System.nanoTime() - start) / 1_000_000);
                } finally {
                    restore(before);
                }
                return response;
            });
        } finally {
            restore(previous);
        }
    }

    private static void restore(Map<String, String> previous) {
        if (previous == null) {
            MDC.clear();
        } else {
            MDC.setContextMap(previous);
        }
    }
}

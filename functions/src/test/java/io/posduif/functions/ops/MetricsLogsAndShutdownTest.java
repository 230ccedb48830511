package io.posduif.functions.ops;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.RawHttp;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class MetricsLogsAndShutdownTest extends StackTest {

    @Inject
    EmbeddedServer server;
    @Inject
    Fixtures fixtures;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.test.probe-routes", "true");
    }

    @Test
    void prometheusMetricsAreServedWithoutAuth() {
        RawHttp http = new RawHttp(server.getURI());
        http.get("/health", Map.of());
        RawHttp.Response r = http.get("/prometheus", Map.of());
        assertEquals(200, r.status(), r.text());
        assertTrue(r.text().contains("http_server_requests_seconds"), "request timings");
        assertTrue(r.text().contains("jvm_memory_used_bytes"), "JVM metrics");
    }

    @Test
    void logLinesCarryTheRequestIdAndTheTenantFromTheToken() {
        TenantId tenant = fixtures.newTenant("logs");
        String token = fixtures.webUser(tenant).token();
        ListAppender<ILoggingEvent> access = attach("io.posduif.access");
        ListAppender<ILoggingEvent> probe = attach("io.posduif.test.probe");
        RawHttp http = new RawHttp(server.getURI());
        RawHttp.Response r = http.get("/test-only/log", Map.of("Authorization", "Bearer " + token, "X-Request-ID", "req-42.abc"));
        assertEquals(200, r.status(), r.text());
        assertEquals("req-42.abc", r.header("X-Request-ID"));

        ILoggingEvent inController = probe.list.stream().filter(e -> "req-42.abc".equals(e.getMDCPropertyMap().get("request_id")))
                .findFirst().orElseThrow(() -> new AssertionError("no controller log line with the request id: " + probe.list));
        assertEquals(tenant.value(), inController.getMDCPropertyMap().get("tenant"));
        ILoggingEvent line = access.list.stream().filter(e -> "req-42.abc".equals(e.getMDCPropertyMap().get("request_id")))
                .findFirst().orElseThrow(() -> new AssertionError("no access log line: " + access.list));
        assertEquals(tenant.value(), line.getMDCPropertyMap().get("tenant"));

        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(((Logger) LoggerFactory.getLogger("ROOT")).getLoggerContext());
        encoder.start();
        String json = new String(encoder.encode(line), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"request_id\": \"req-42.abc\"") || json.contains("\"request_id\":\"req-42.abc\""), json);
        assertTrue(json.contains(tenant.value()), json);

        RawHttp.Response hostile = http.get("/health", Map.of("X-Request-ID", "evil\" injected {json}"));
        assertNotEquals("evil\" injected {json}", hostile.header("X-Request-ID"));
        assertTrue(hostile.header("X-Request-ID").matches("[0-9a-f-]{36}"), hostile.header("X-Request-ID"));
    }

    private static ListAppender<ILoggingEvent> attach(String name) {
        Logger logger = (Logger) LoggerFactory.getLogger(name);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        return appender;
    }

    @Test
    void shutdownLetsAnInFlightRequestFinish() throws Exception {
        Map<String, Object> props = new HashMap<>(getProperties());
        props.put("micronaut.server.port", "-1");
        ApplicationContext ctx = ApplicationContext.run(props);
        EmbeddedServer own = ctx.getBean(EmbeddedServer.class).start();
        RawHttp http = new RawHttp(own.getURI());
        CompletableFuture<RawHttp.Response> slow = CompletableFuture.supplyAsync(() -> http.get("/test-only/slow?ms=2000", Map.of()));
        Thread.sleep(500);
        long start = System.nanoTime();
        ctx.close();
        long closeMillis = (System.nanoTime() - start) / 1_000_000;
        RawHttp.Response r = slow.get();
        assertEquals(200, r.status(), r.text());
        assertEquals(2000, http.json(r).get("slept").getIntValue());
        assertTrue(closeMillis >= 1000, "close waited for the request (" + closeMillis + " ms)");
        assertThrows(RuntimeException.class, () -> http.get("/health", Map.of()), "no new requests after shutdown");
        List.of();
    }
}

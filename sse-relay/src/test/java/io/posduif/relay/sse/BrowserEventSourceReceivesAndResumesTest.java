package io.posduif.relay.sse;

import com.sun.net.httpserver.HttpServer;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.relay.support.RelayTest;
import io.posduif.relay.support.Streams;
import io.posduif.relay.support.TestTenants;
import io.posduif.relay.support.TestTokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client we did not write: headless Debian Chromium's {@code EventSource}, on a page of another
 * origin (CORS), receives an event, loses its connection, reconnects by itself with
 * {@code Last-Event-ID}, and gets the event it missed — once, in order.
 */
@MicronautTest
class BrowserEventSourceReceivesAndResumesTest extends RelayTest {

    @Inject
    EmbeddedServer relay;
    @Inject
    Hub hub;
    final Streams streams = Streams.shared();
    /** The page's server, started before the relay so the relay can be told its origin. */
    private HttpServer pages;
    private volatile byte[] page = new byte[0];

    /**
     * The relay allows exactly the page's origin (there is no wildcard by default), as a
     * deployment allows exactly its console's.
     */
    @Override
    protected Map<String, String> extraProperties() {
        try {
            pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        pages.createContext("/", x -> {
            byte[] b = page;
            x.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        pages.start();
        return Map.of("posduif.relay.allowed-origin", "http://127.0.0.1:" + pages.getAddress().getPort());
    }

    @AfterAll
    void close() {
        streams.close();
        pages.stop(0);
    }

    private static ChromeDriver chromium(Path profile) {
        String chromium = System.getProperty("posduif.chromium", "/usr/bin/chromium");
        String chromedriver = System.getProperty("posduif.chromedriver", "/usr/bin/chromedriver");
        if (!Files.isExecutable(Path.of(chromium)) || !Files.isExecutable(Path.of(chromedriver))) {
            throw new IllegalStateException("this test needs Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver");
        }
        ChromeOptions o = new ChromeOptions();
        o.setBinary(chromium);
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile.toAbsolutePath());
        return new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(new File(chromedriver)).usingAnyFreePort().build(), o);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> events(ChromeDriver d) {
        return (List<Map<String, Object>>) ((JavascriptExecutor) d).executeScript("return window.posduif.events;");
    }

    private static long number(ChromeDriver d, String expr) {
        return ((Number) ((JavascriptExecutor) d).executeScript("return " + expr + ";")).longValue();
    }

    private static void await(String what, Supplier<Boolean> cond) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!cond.get()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    @Test
    void chromiumsEventSourceGetsAnEventAndWhatItMissedWhileDisconnected() throws Exception {
        String t = TestTenants.create("browser");
        UUID user = TestTenants.user(t, "web");
        String streamUrl = "http://127.0.0.1:" + relay.getPort() + "/sse/web/" + user + "?access_token=" + TestTokens.web(t, user);
        page = ("<!doctype html><html><body><script>"
                + "window.posduif = {events: [], opens: 0, errors: 0};"
                + "const es = new EventSource(" + "'" + streamUrl + "'" + ");"
                + "es.onopen = () => window.posduif.opens++;"
                + "es.onerror = () => window.posduif.errors++;"
                + "['new_message','message_read','presence','device_enrolled','reset'].forEach(type =>"
                + "  es.addEventListener(type, e => window.posduif.events.push({type: type, id: e.lastEventId, data: e.data})));"
                + "</script></body></html>").getBytes(StandardCharsets.UTF_8);
        Path profile = Files.createTempDirectory("posduif-chromium-");
        ChromeDriver browser = chromium(profile);
        try {
            browser.get("http://127.0.0.1:" + pages.getAddress().getPort() + "/");
            await("the stream to open", () -> number(browser, "window.posduif.opens") == 1);
            Thread.sleep(500);

            String first = streams.add(t, "new_message", null, "[\"" + user + "\"]", null,
                    "{\"type\":\"new_message\",\"message_id\":\"m1\",\"unread_count\":1}");
            await("the first event", () -> events(browser).size() == 1);
            Map<String, Object> e1 = events(browser).get(0);
            assertEquals("new_message", e1.get("type"));
            assertEquals(first, e1.get("id"));
            assertEquals("{\"type\":\"new_message\",\"message_id\":\"m1\",\"unread_count\":1}", e1.get("data"));

            // drop the connection from the server side; publish while the browser is away
            hub.forEach(c -> {
                if (c.principal().userId().equals(user.toString())) {
                    c.channel.close();
                }
            });
            await("the browser to notice", () -> number(browser, "window.posduif.errors") >= 1);
            String missed = streams.add(t, "message_read", null, null, null, "{\"type\":\"message_read\",\"message_id\":\"m1\"}");

            await("the browser to reconnect and catch up", () -> events(browser).size() >= 2);
            assertEquals(2, number(browser, "window.posduif.opens"), "EventSource reconnected by itself");
            List<Map<String, Object>> all = events(browser);
            assertEquals("message_read", all.get(1).get("type"), "the missed event, replayed from Last-Event-ID: " + all);
            assertEquals(missed, all.get(1).get("id"));

            String live = streams.add(t, "new_message", null, "[\"" + user + "\"]", null,
                    "{\"type\":\"new_message\",\"message_id\":\"m2\",\"unread_count\":2}");
            await("a live event after the resume", () -> events(browser).size() >= 3);
            all = events(browser);
            assertEquals(live, all.get(2).get("id"));
            assertEquals(3, all.size(), "nothing twice: " + all);
            assertTrue(all.stream().noneMatch(e -> "reset".equals(e.get("type"))), "a fresh resume needs no reset");
        } finally {
            browser.quit();
        }
    }
}

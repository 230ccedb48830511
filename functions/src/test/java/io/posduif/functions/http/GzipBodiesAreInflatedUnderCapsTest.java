package io.posduif.functions.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.RawHttp;
import io.posduif.functions.support.StackTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class GzipBodiesAreInflatedUnderCapsTest extends StackTest {

    @Inject
    EmbeddedServer server;
    @Inject
    MeterRegistry meters;

    RawHttp http;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.test.probe-routes", "true",
                "posduif.http.max-inflated-bytes", String.valueOf(4 * 1024 * 1024),
                "micronaut.server.max-request-size", String.valueOf(3 * 1024 * 1024));
    }

    @BeforeAll
    void setUp() {
        http = new RawHttp(server.getURI());
    }

    static byte[] gzip(byte[] plain, int level) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 65536) {
            {
                def.setLevel(level);
            }
        }) {
            gz.write(plain);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /**
     * A JSON string of {@code size} bytes of 'a', as concatenated gzip members (valid gzip):
     * one 1 MiB member compressed once at ~1000:1 and repeated, so building it costs nothing.
     */
    static byte[] bomb(long size) {
        byte[] mib = new byte[1 << 20];
        Arrays.fill(mib, (byte) 'a');
        byte[] member = gzip(mib, Deflater.BEST_COMPRESSION);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(gzip("{\"count\":1,\"names\":[\"".getBytes(StandardCharsets.US_ASCII), 1));
        for (long written = 0; written < size; written += mib.length) {
            out.writeBytes(member);
        }
        out.writeBytes(gzip("\"]}".getBytes(StandardCharsets.US_ASCII), 1));
        return out.toByteArray();
    }

    static Map<String, String> headers(String... kv) {
        Map<String, String> h = new HashMap<>();
        h.put("Content-Type", "application/json");
        for (int i = 0; i < kv.length; i += 2) {
            h.put(kv[i], kv[i + 1]);
        }
        return h;
    }

    @Test
    void aGzipBodyReachesTheControllerAsJson() {
        byte[] body = gzip("{\"count\":7,\"names\":[\"x\"]}".getBytes(StandardCharsets.UTF_8), 6);
        RawHttp.Response r = http.send("POST", "/test-only/body", headers("Content-Encoding", "gzip"), body);
        assertEquals(200, r.status(), r.text());
        assertEquals(7, http.json(r).get("count").getIntValue());
        RawHttp.Response upper = http.send("POST", "/test-only/body", headers("Content-Encoding", "GZIP"), body);
        assertEquals(200, upper.status(), upper.text());
    }

    @Test
    void aOneGigabyteBombIsRefusedAfterAboutAMegabyte() {
        byte[] big = bomb(1L << 30);
        assertTrue(big.length < 1_100_000, "the bomb is " + big.length + " bytes");
        byte[] small = bomb(10L << 20);
        assertTrue(small.length < 12_000, "the small bomb is " + small.length + " bytes");
        for (byte[] b : new byte[][]{big, small}) {
            long start = System.nanoTime();
            RawHttp.Response r = http.send("POST", "/test-only/body", headers("Content-Encoding", "gzip"), b);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(413, r.status(), r.text());
            assertEquals("PAYLOAD_TOO_LARGE", http.errorCode(r));
            long inflated = http.json(r).get("error").get("details").get("inflated_bytes_read").getLongValue();
            // memory spent on the body: the inflated prefix, bounded by the ratio check at 1 MiB
            assertTrue(inflated <= 2L * 1024 * 1024, "inflated " + inflated + " bytes before refusing");
            assertTrue(millis < 5_000, "took " + millis + " ms");
        }
    }

    @Test
    void aLargeButHonestBodyHitsTheSizeCap() {
        // ~6 MiB of random text compresses ~1.3:1, so only the absolute cap (4 MiB here) stops it
        Random random = new Random(1);
        StringBuilder sb = new StringBuilder("{\"count\":1,\"names\":[");
        while (sb.length() < 6 * 1024 * 1024) {
            sb.append('"').append(Long.toString(random.nextLong(), 36)).append(Long.toString(random.nextLong(), 36)).append("\",");
        }
        sb.append("\"end\"]}");
        byte[] gz = gzip(sb.toString().getBytes(StandardCharsets.UTF_8), 1);
        RawHttp.Response r = http.send("POST", "/test-only/body", headers("Content-Encoding", "gzip"), gz);
        if (gz.length > 3 * 1024 * 1024) {
            assertEquals(413, r.status(), "raw cap: " + r.text());
        } else {
            assertEquals(413, r.status(), r.text());
            assertEquals("PAYLOAD_TOO_LARGE", http.errorCode(r));
        }
    }

    @Test
    void aRawBodyAboveTheRequestCapIs413() {
        byte[] body = new byte[4 * 1024 * 1024];
        Arrays.fill(body, (byte) ' ');
        RawHttp.Response r = http.send("POST", "/test-only/body", headers(), body);
        assertEquals(413, r.status(), r.text());
        assertEquals("PAYLOAD_TOO_LARGE", http.errorCode(r));
    }

    @Test
    void brokenGzipIs400InvalidGzip() {
        byte[] good = gzip("{\"count\":7,\"names\":[\"x\"]}".repeat(50).getBytes(StandardCharsets.UTF_8), 6);
        byte[] truncated = Arrays.copyOf(good, good.length / 2);
        byte[] corrupt = good.clone();
        for (int i = 12; i < corrupt.length - 8; i++) {
            corrupt[i] ^= 0x5a;
        }
        for (byte[] b : new byte[][]{truncated, corrupt, "{\"count\":1}".getBytes(StandardCharsets.UTF_8), new byte[]{0x1f, (byte) 0x8b}}) {
            RawHttp.Response r = http.send("POST", "/test-only/body", headers("Content-Encoding", "gzip"), b);
            assertEquals(400, r.status(), r.text());
            assertEquals("INVALID_GZIP", http.errorCode(r));
        }
    }

    @Test
    void otherEncodingsAre415() {
        for (String enc : new String[]{"br", "deflate", "compress", "zstd", "gzip, br", "bogus"}) {
            RawHttp.Response r = http.send("POST", "/test-only/body", headers("Content-Encoding", enc), "{\"count\":1}".getBytes(StandardCharsets.UTF_8));
            assertEquals(415, r.status(), enc + ": " + r.text());
            assertEquals("UNSUPPORTED_ENCODING", http.errorCode(r));
        }
        RawHttp.Response identity = http.send("POST", "/test-only/body", headers("Content-Encoding", "identity"), "{\"count\":1}".getBytes(StandardCharsets.UTF_8));
        assertEquals(200, identity.status(), identity.text());
    }

    @Test
    void largeJsonResponsesAreGzippedWhenAskedAndTheRatioIsMeasured() throws IOException {
        StringBuilder sb = new StringBuilder("{\"count\":3,\"names\":[");
        for (int i = 0; i < 2000; i++) {
            sb.append("\"name-").append(i).append("\",");
        }
        sb.append("\"last\"]}");
        byte[] plainRequest = sb.toString().getBytes(StandardCharsets.UTF_8);
        double before = meters.summary("posduif.http.response.compression.ratio").count();

        RawHttp.Response zipped = http.send("POST", "/test-only/body", headers("Accept-Encoding", "gzip, deflate"), plainRequest);
        assertEquals(200, zipped.status());
        assertEquals("gzip", zipped.header("Content-Encoding"));
        byte[] inflated = new GZIPInputStream(new ByteArrayInputStream(zipped.body())).readAllBytes();
        assertTrue(zipped.body().length * 3 < inflated.length, "compressed " + zipped.body().length + " of " + inflated.length);

        RawHttp.Response plain = http.send("POST", "/test-only/body", headers(), plainRequest);
        assertNull(plain.header("Content-Encoding"));
        assertArrayEquals(plain.body(), inflated);

        RawHttp.Response refused = http.send("POST", "/test-only/body", headers("Accept-Encoding", "gzip;q=0"), plainRequest);
        assertNull(refused.header("Content-Encoding"));

        RawHttp.Response tiny = http.send("POST", "/test-only/body", headers("Accept-Encoding", "gzip"), "{\"count\":1}".getBytes(StandardCharsets.UTF_8));
        assertNull(tiny.header("Content-Encoding"), "tiny bodies are not worth compressing");

        assertTrue(meters.summary("posduif.http.response.compression.ratio").count() > before);
    }

    @Test
    void acceptEncodingParsing() {
        assertTrue(ContentEncodingFilter.acceptsGzip("gzip"));
        assertTrue(ContentEncodingFilter.acceptsGzip("br;q=1.0, gzip;q=0.8"));
        assertTrue(ContentEncodingFilter.acceptsGzip("*"));
        assertTrue(!ContentEncodingFilter.acceptsGzip("gzip;q=0"));
        assertTrue(!ContentEncodingFilter.acceptsGzip("identity"));
        assertTrue(!ContentEncodingFilter.acceptsGzip(null));
        assertTrue(!ContentEncodingFilter.acceptsGzip("*;q=0"));
    }
}

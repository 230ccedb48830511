package io.posduif.functions.enrollment;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.LuminanceSource;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.Result;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.DecodeHintType;
import com.google.zxing.qrcode.QRCodeReader;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.serde.ObjectMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.Api;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class QrCodeImagesCarryTheSeedPayloadTest extends StackTest {

    @Inject
    @Client("/")
    HttpClient client;
    @Inject
    Fixtures fixtures;
    @Inject
    ObjectMapper json;

    Api api;
    TenantId tenant;
    Fixtures.User web;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.rate-limit.enabled", "false");
    }

    @BeforeAll
    void setUp() {
        api = new Api(client);
        tenant = fixtures.newTenant("qr");
        web = fixtures.webUser(tenant);
    }

    @Test
    void pngDecodesToTheQrCodeDataOfCreate() throws Exception {
        Api.Resp created = api.post("/api/enrollment/create", Map.of(), web.token());
        String token = created.str("token");
        HttpResponse<byte[]> png = client.toBlocking().exchange(
                HttpRequest.GET("/api/enrollment/" + token + "/qr.png").bearerAuth(web.token()), byte[].class);
        assertEquals("image/png", png.getContentType().orElseThrow().toString());
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png.body()));
        int[] pixels = img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
        String content = decode(new RGBLuminanceSource(img.getWidth(), img.getHeight(), pixels));
        assertSeedPayload(content, token, created.body().get("qr_code_data"));
    }

    @Test
    void svgDrawsTheSameCode() throws Exception {
        Api.Resp created = api.post("/api/enrollment/create", Map.of(), web.token());
        String token = created.str("token");
        HttpResponse<String> svg = client.toBlocking().exchange(
                HttpRequest.GET("/api/enrollment/" + token + "/qr.svg").bearerAuth(web.token()), String.class);
        assertTrue(svg.getContentType().orElseThrow().toString().startsWith("image/svg+xml"));
        String body = svg.body();
        Matcher vb = Pattern.compile("viewBox=\"0 0 (\\d+) (\\d+)\"").matcher(body);
        assertTrue(vb.find(), body);
        int w = Integer.parseInt(vb.group(1));
        int h = Integer.parseInt(vb.group(2));
        // rasterize the path (runs "Mx yhNv1h-Nz") at 4 px per module and decode it
        int scale = 4;
        int[] pixels = new int[w * scale * h * scale];
        java.util.Arrays.fill(pixels, 0xFFFFFFFF);
        Matcher run = Pattern.compile("M(\\d+) (\\d+)h(\\d+)v1h-\\d+z").matcher(body);
        int runs = 0;
        while (run.find()) {
            runs++;
            int x0 = Integer.parseInt(run.group(1));
            int y0 = Integer.parseInt(run.group(2));
            int len = Integer.parseInt(run.group(3));
            for (int y = y0 * scale; y < (y0 + 1) * scale; y++) {
                for (int x = x0 * scale; x < (x0 + len) * scale; x++) {
                    pixels[y * w * scale + x] = 0xFF000000;
                }
            }
        }
        assertTrue(runs > 50, "svg has modules");
        String content = decode(new RGBLuminanceSource(w * scale, h * scale, pixels));
        assertSeedPayload(content, token, created.body().get("qr_code_data"));
    }

    @Test
    void qrImagesNeedAWebTokenOfTheSameTenant() {
        String token = api.post("/api/enrollment/create", Map.of(), web.token()).str("token");
        assertEquals(401, api.get("/api/enrollment/" + token + "/qr.png", null).status());
        TenantId other = fixtures.newTenant("qro");
        Fixtures.User stranger = fixtures.webUser(other);
        Api.Resp r = api.get("/api/enrollment/" + token + "/qr.svg", stranger.token());
        assertEquals(404, r.status(), r.toString());
        assertEquals("ENROLLMENT_NOT_FOUND", r.code());
    }

    private static String decode(LuminanceSource source) throws Exception {
        // the image is the rendered code alone: tell zxing so (its general detector misreads
        // about 1 in 80 perfect codes, which made this test fail now and then)
        Result r = new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(source)), Map.of(DecodeHintType.PURE_BARCODE, Boolean.TRUE));
        return r.getText();
    }

    @SuppressWarnings("unchecked")
    private void assertSeedPayload(String content, String token, Object expected) throws Exception {
        Map<String, Object> payload = json.readValue(content, Map.class);
        assertEquals(expected, payload);
        assertEquals(token, payload.get("token"));
        assertEquals(tenant.value(), payload.get("tenant_id"));
        assertTrue(((String) payload.get("enrollment_url")).endsWith("/api/enrollment/" + token));
    }
}

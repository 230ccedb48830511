package io.posduif.client;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class QrPngEnrollmentPayloadDecodesTest {

    static byte[] png(String content) throws Exception {
        BitMatrix m = new QRCodeWriter().encode(content, BarcodeFormat.QR_CODE, 300, 300, Map.of(EncodeHintType.MARGIN, 2));
        BufferedImage img = new BufferedImage(m.getWidth(), m.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < m.getHeight(); y++) {
            for (int x = 0; x < m.getWidth(); x++) {
                img.setRGB(x, y, m.get(x, y) ? 0x000000 : 0xFFFFFF);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    @Test
    void decodesTheSeedPayloadFromARenderedPng() throws Exception {
        String json = "{\"enrollment_url\":\"https://sync.example.com/api/enrollment/550e8400-e29b-41d4-a716-446655440000\","
                + "\"token\":\"550e8400-e29b-41d4-a716-446655440000\",\"tenant_id\":\"demo\"}";

        QrPayload qr = QrCodes.decodePng(png(json));

        assertEquals("550e8400-e29b-41d4-a716-446655440000", qr.token());
        assertEquals("demo", qr.tenantId());
        assertEquals("https://sync.example.com", qr.baseUrl());
    }

    /**
     * Codes rendered as the server renders qr.png (320 px, margin 4, level M, binary PNG) with
     * payloads of the server's shape: every one must decode. zxing's general detector alone
     * failed 5 of these 400 with a checksum error.
     */
    @Test
    void everyServerRenderedCodeDecodes() throws Exception {
        java.util.Random random = new java.util.Random(1);
        java.util.List<String> failed = new java.util.ArrayList<>();
        for (int i = 0; i < 400; i++) {
            byte[] secret = new byte[32];
            random.nextBytes(secret);
            String token = "qr_" + Long.toString(random.nextLong() >>> 1, 36).substring(0, 7) + "."
                    + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
            String json = "{\"enrollment_url\":\"http://localhost:12345/api/enrollment/" + token + "\",\"token\":\"" + token
                    + "\",\"tenant_id\":\"qr_abc1234\",\"expires_at\":\"2026-11-22T02:10:00.000Z\"}";
            BitMatrix m = new QRCodeWriter().encode(json, BarcodeFormat.QR_CODE, 320, 320, Map.of(EncodeHintType.MARGIN, 4,
                    EncodeHintType.CHARACTER_SET, "UTF-8", EncodeHintType.ERROR_CORRECTION, com.google.zxing.qrcode.decoder.ErrorCorrectionLevel.M));
            BufferedImage img = new BufferedImage(m.getWidth(), m.getHeight(), BufferedImage.TYPE_BYTE_BINARY);
            for (int y = 0; y < m.getHeight(); y++) {
                for (int x = 0; x < m.getWidth(); x++) {
                    img.setRGB(x, y, m.get(x, y) ? 0xFF000000 : 0xFFFFFFFF);
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, "png", out);
            try {
                assertEquals(token, QrCodes.decodePng(out.toByteArray()).token());
            } catch (IOException e) {
                failed.add(token);
            }
        }
        assertEquals(java.util.List.of(), failed, "codes that did not decode");
    }

    @Test
    void baseUrlKeepsAPathPrefix() {
        QrPayload qr = new QrPayload("http://localhost:9000/posduif/api/enrollment/tok", "tok", "demo");
        assertEquals("http://localhost:9000/posduif", qr.baseUrl());
    }

    @Test
    void imagesWithoutAQrCodeOrWithForeignContentAreRefused() throws Exception {
        BufferedImage blank = new BufferedImage(100, 100, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(blank, "png", out);
        assertThrows(IOException.class, () -> QrCodes.decodePng(out.toByteArray()));
        assertThrows(IOException.class, () -> QrCodes.decodePng("not a png".getBytes()));
        assertThrows(IllegalArgumentException.class, () -> QrCodes.decodePng(png("https://evil.example/phish")));
        assertThrows(IllegalArgumentException.class,
                () -> QrCodes.decodePng(png("{\"enrollment_url\":\"file:///etc/passwd\",\"token\":\"t\"}")));
        assertThrows(IllegalArgumentException.class, () -> QrPayload.parse("{\"token\":\"t\"}"));
    }
}

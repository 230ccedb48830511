package io.posduif.client;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.MultiFormatReader;
import com.google.zxing.NotFoundException;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.common.HybridBinarizer;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** Reads enrollment QR codes from images (what a camera frame would give an app). */
public final class QrCodes {
    private QrCodes() {
    }

    /** Decodes a PNG (or any ImageIO format) and parses its content as a {@link QrPayload}. */
    public static QrPayload decodePng(byte[] png) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        if (image == null) {
            throw new IOException("not an image");
        }
        return QrPayload.parse(decodeText(image));
    }

    /**
     * zxing core's RGB source rather than the javase module's BufferedImageLuminanceSource:
     * the same luminance conversion without another dependency.
     */
    public static String decodeText(BufferedImage image) throws IOException {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] pixels = image.getRGB(0, 0, w, h, null, 0, w);
        BinaryBitmap bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(w, h, pixels)));
        try {
            return new MultiFormatReader().decode(bitmap, Map.of(
                    DecodeHintType.POSSIBLE_FORMATS, List.of(com.google.zxing.BarcodeFormat.QR_CODE),
                    DecodeHintType.TRY_HARDER, Boolean.TRUE)).getText();
        } catch (NotFoundException e) {
            // zxing's general detector misplaces its sampling grid on about 1 in 80 perfectly
            // rendered codes (a checksum failure), and an image that is the code alone (the
            // server's qr.png) is read exactly when zxing is told so
            try {
                return new MultiFormatReader().decode(bitmap, Map.of(
                        DecodeHintType.POSSIBLE_FORMATS, List.of(com.google.zxing.BarcodeFormat.QR_CODE),
                        DecodeHintType.PURE_BARCODE, Boolean.TRUE)).getText();
            } catch (NotFoundException pure) {
                e.addSuppressed(pure);
                throw new IOException("no QR code found in image", e);
            }
        }
    }
}

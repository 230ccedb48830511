package io.posduif.functions.http;

import io.posduif.protocol.ErrorCode;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.DoubleConsumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * Bounded gzip inflation and fast gzip deflation.
 *
 * <p>Inflation stops as soon as the output passes the size cap or, beyond a threshold, the
 * compression ratio cap: a 10 KB body that would inflate to 1 GB costs about a megabyte of
 * memory before it is refused, never the gigabyte.
 */
final class Gzip {

    private static final int CHUNK = 8192;

    private Gzip() {
    }

    static boolean isGzip(String contentEncoding) {
        return contentEncoding != null && ("gzip".equalsIgnoreCase(contentEncoding.strip()) || "x-gzip".equalsIgnoreCase(contentEncoding.strip()));
    }

    static boolean isIdentity(String contentEncoding) {
        return contentEncoding == null || contentEncoding.isBlank() || "identity".equalsIgnoreCase(contentEncoding.strip());
    }

    /**
     * The inflated body; 413 PAYLOAD_TOO_LARGE past a cap, 400 INVALID_GZIP if the stream is
     * broken. {@code ratio} receives inflated:compressed of a body that inflated completely.
     */
    static byte[] inflate(InputStream compressed, HttpLimits limits, DoubleConsumer ratio) {
        CountingInputStream counted = new CountingInputStream(compressed);
        ByteArrayOutputStream out = new ByteArrayOutputStream(CHUNK);
        byte[] buf = new byte[CHUNK];
        try (GZIPInputStream in = new GZIPInputStream(counted, CHUNK)) {
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > limits.maxInflatedBytes()) {
                    throw tooLarge("inflated body exceeds " + limits.maxInflatedBytes() + " bytes", total, counted.count);
                }
                if (total > limits.ratioCheckAfterBytes() && total > (long) limits.maxRatio() * Math.max(1, counted.count)) {
                    throw tooLarge("compression ratio exceeds " + limits.maxRatio() + ":1", total, counted.count);
                }
                out.write(buf, 0, n);
            }
        } catch (ZipException | EOFException e) {
            throw new ApiException(ErrorCode.INVALID_GZIP, "body is not valid gzip: " + e.getMessage());
        } catch (IOException e) {
            throw new ApiException(ErrorCode.INVALID_GZIP, "body could not be inflated");
        }
        if (counted.count > 0) {
            ratio.accept((double) out.size() / counted.count);
        }
        return out.toByteArray();
    }

    private static ApiException tooLarge(String message, long inflated, long compressed) {
        return new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, message,
                Map.of("inflated_bytes_read", inflated, "compressed_bytes_read", compressed));
    }

    /** Gzip at level 1: on sync pages it keeps most of the size win at a fraction of the CPU of level 6. */
    static byte[] deflate(byte[] plain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, plain.length / 4));
        try (GZIPOutputStream gz = new GZIPOutputStream(out, CHUNK) {
            {
                def.setLevel(1);
            }
        }) {
            gz.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}

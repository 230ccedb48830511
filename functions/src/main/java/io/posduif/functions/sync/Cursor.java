package io.posduif.functions.sync;

import io.posduif.functions.http.ApiException;
import io.posduif.protocol.ErrorCode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;

/**
 * A position in a tenant's change log, as handed to devices.
 *
 * <p>Like Debezium's {@code Lsn}, a small value type with one wire form: base64url of
 * {@code version(1) | log_id(8) | txid(8) | seq(8) | mac(8)}. The log id ties the cursor to one
 * tenant's log (a cursor from another tenant or a rebuilt log means "reset"); the truncated
 * HMAC makes an edited cursor an {@code INVALID_CURSOR} instead of a silent jump. Position
 * {@code (0,0)} — or the literal {@code "0"} — means "bootstrap".
 *
 * @param txid the full 64-bit transaction id ({@code xid8}) of the entry last served, or the
 *             snapshot xmin with {@code seq = 0} once the device is caught up
 */
record Cursor(long logId, long txid, long seq) implements Comparable<Cursor> {

    private static final byte VERSION = 1;
    private static final int LENGTH = 1 + 8 + 8 + 8 + 8;

    static Cursor start(long logId) {
        return new Cursor(logId, 0, 0);
    }

    boolean isStart() {
        return txid == 0 && seq == 0;
    }

    @Override
    public int compareTo(Cursor o) {
        int c = Long.compareUnsigned(txid, o.txid);
        return c != 0 ? c : Long.compare(seq, o.seq);
    }

    String encode(byte[] key) {
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        b.put(VERSION).putLong(logId).putLong(txid).putLong(seq);
        b.put(mac(key, b.array(), LENGTH - 8), 0, 8);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    /**
     * Decodes a client's cursor; {@code null}, blank and {@code "0"} mean bootstrap.
     *
     * @throws ApiException INVALID_CURSOR when it is not a cursor we issued
     */
    static Cursor decode(String s, long logId, byte[] key) {
        if (s == null || s.isBlank() || s.equals("0")) {
            return start(logId);
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
        if (raw.length != LENGTH || raw[0] != VERSION) {
            throw invalid();
        }
        byte[] expected = Arrays.copyOf(mac(key, raw, LENGTH - 8), 8);
        if (!java.security.MessageDigest.isEqual(expected, Arrays.copyOfRange(raw, LENGTH - 8, LENGTH))) {
            throw invalid();
        }
        ByteBuffer b = ByteBuffer.wrap(raw, 1, LENGTH - 1);
        return new Cursor(b.getLong(), b.getLong(), b.getLong());
    }

    private static ApiException invalid() {
        return new ApiException(ErrorCode.INVALID_CURSOR, "cursor was not issued by this server");
    }

    private static byte[] mac(byte[] key, byte[] data, int len) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            m.update(data, 0, len);
            return m.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] key(String secret) {
        return ("posduif-cursor:" + secret).getBytes(StandardCharsets.UTF_8);
    }

    /** xid8 as PostgreSQL text (unsigned decimal). */
    String txidText() {
        return Long.toUnsignedString(txid);
    }
}

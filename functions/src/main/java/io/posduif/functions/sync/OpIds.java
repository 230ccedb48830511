package io.posduif.functions.sync;

import java.util.HexFormat;

/**
 * Op ids in the order the ledger keeps them: PostgreSQL's {@code COLLATE "C"}, the byte order of
 * their UTF-8, which is code point order. {@link String#compareTo} is not: it compares UTF-16
 * units, and a character above U+FFFF (a surrogate pair) sorts below U+E000..U+FFFF there but
 * above them in PostgreSQL. The op mark is compared on both sides, so both must agree.
 */
final class OpIds {

    private OpIds() {
    }

    /** Code point (UTF-8 byte) order. */
    static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** Whether {@code ids} strictly increase and the first is above {@code mark} (null: below all). */
    static boolean increasingAbove(String[] ids, String mark) {
        String before = mark;
        for (String id : ids) {
            if (before != null && compare(id, before) <= 0) {
                return false;
            }
            before = id;
        }
        return true;
    }

    /** The highest of {@code ids}; null if there are none. */
    static String highest(String[] ids) {
        String max = null;
        for (String id : ids) {
            if (max == null || compare(id, max) > 0) {
                max = id;
            }
        }
        return max;
    }

    /** Hex SHA-256 payload hashes (64 characters each) as one byte string, 32 bytes per hash in order. */
    static byte[] hashBytes(String[] hexHashes) {
        byte[] out = new byte[32 * hexHashes.length];
        HexFormat hex = HexFormat.of();
        for (int i = 0; i < hexHashes.length; i++) {
            byte[] h = hex.parseHex(hexHashes[i]);
            if (h.length != 32) {
                throw new IllegalArgumentException("not a SHA-256 hash: " + hexHashes[i]);
            }
            System.arraycopy(h, 0, out, 32 * i, 32);
        }
        return out;
    }
}

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

    /**
     * Whether every id is a UUID in canonical text (36 characters, lowercase hex, hyphens at 8,
     * 13, 18, 23): those a batch row keeps as uuid, which prints them back exactly and orders
     * them as their text.
     */
    static boolean canonicalUuids(String[] ids) {
        for (String id : ids) {
            if (id.length() != 36) {
                return false;
            }
            for (int i = 0; i < 36; i++) {
                char c = id.charAt(i);
                boolean ok = i == 8 || i == 13 || i == 18 || i == 23 ? c == '-' : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Bytes of a batch row's hash: the first 16 of an op's SHA-256. */
    static final int PREFIX = 16;

    /** Hex SHA-256 payload hashes (64 digits each) as one byte string: each hash's first {@link #PREFIX} bytes, in order. */
    static byte[] hashPrefixes(String[] hexHashes) {
        byte[] out = new byte[PREFIX * hexHashes.length];
        HexFormat hex = HexFormat.of();
        for (int i = 0; i < hexHashes.length; i++) {
            if (hexHashes[i].length() != 64) {
                throw new IllegalArgumentException("not a SHA-256 hash: " + hexHashes[i]);
            }
            byte[] h = hex.parseHex(hexHashes[i], 0, 2 * PREFIX);
            System.arraycopy(h, 0, out, PREFIX * i, PREFIX);
        }
        return out;
    }

    /**
     * Whether a recorded hash ({@code recorded}: 64 hex digits from a row per op, 32 from a batch
     * row) is that of an op whose hash is {@code full}.
     */
    static boolean sameHash(String recorded, String full) {
        if (recorded.length() == full.length()) {
            return recorded.equals(full);
        }
        return recorded.length() == 2 * PREFIX && full.regionMatches(0, recorded, 0, 2 * PREFIX);
    }
}

package io.posduif.relay.stream;

/** A Redis stream entry id {@code <ms>-<seq>}, comparable. */
public record StreamId(long ms, long seq) implements Comparable<StreamId> {

    public static final StreamId ZERO = new StreamId(0, 0);

    /** Parses an id; null if it is not one (a client's Last-Event-ID is untrusted input). */
    public static StreamId parse(String s) {
        if (s == null || s.length() > 41) {
            return null;
        }
        int dash = s.indexOf('-');
        try {
            if (dash < 0) {
                return new StreamId(Long.parseUnsignedLong(s), 0);
            }
            return new StreamId(Long.parseUnsignedLong(s.substring(0, dash)), Long.parseUnsignedLong(s.substring(dash + 1)));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public int compareTo(StreamId o) {
        int c = Long.compareUnsigned(ms, o.ms);
        return c != 0 ? c : Long.compareUnsigned(seq, o.seq);
    }

    @Override
    public String toString() {
        return Long.toUnsignedString(ms) + "-" + Long.toUnsignedString(seq);
    }
}

package io.posduif.functions.schema;

import java.util.Optional;

/** How a push that races another write to the same row is resolved (DESIGN.md, "Push"). */
public enum ConflictPolicy {
    /** Whole row, newest client_ts wins; ties broken deterministically. */
    LWW("lww"),
    /** Per field, newest write of each field wins, so concurrent edits of different fields both survive. */
    FIELD_LWW("field-lww"),
    /** A device write to a row the server changed since the device saw it loses. */
    SERVER_WINS("server-wins"),
    /** Conflicting writes are parked for a web user to resolve. */
    MANUAL("manual");

    private final String wireName;

    ConflictPolicy(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<ConflictPolicy> fromWireName(String s) {
        for (ConflictPolicy p : values()) {
            if (p.wireName.equals(s)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}

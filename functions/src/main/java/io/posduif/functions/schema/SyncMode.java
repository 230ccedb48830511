package io.posduif.functions.schema;

import java.util.Optional;

/** Where a table's rows live. The seed's three modes; only {@link #MOBILE_SYNCED} is captured. */
public enum SyncMode {
    /** Both ways: devices pull it and (unless read-only) push it. */
    MOBILE_SYNCED("mobile-synced"),
    /** Created on devices from the schema, never sent in either direction; the server never accepts its data. */
    MOBILE_ONLY("mobile-only"),
    /** Server only: never described to devices, never synced. */
    WEB_ONLY("web-only");

    private final String wireName;

    SyncMode(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<SyncMode> fromWireName(String s) {
        for (SyncMode m : values()) {
            if (m.wireName.equals(s)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }
}

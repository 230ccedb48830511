package io.posduif.functions.auth;

import java.util.regex.Pattern;

/** Device ids are chosen by devices (seed) and travel in URL paths (SSE), so they are held to a URL-safe shape. */
public final class DeviceIds {

    public static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private DeviceIds() {
    }

    public static boolean isValid(String id) {
        return id != null && SHAPE.matcher(id).matches();
    }
}

package io.posduif.functions.auth;

import io.posduif.functions.http.ApiException;
import io.posduif.protocol.ErrorCode;

import java.util.Map;

/** The one username rule for web and mobile users (seed 001 allows "Joe the Mobile User"). */
public final class Usernames {

    public static final int MAX_LENGTH = 100;

    private Usernames() {
    }

    /** Trims and checks; throws VALIDATION_ERROR naming the field. */
    public static String require(String raw, String field) {
        String u = raw == null ? "" : raw.strip();
        if (u.isEmpty() || u.length() > MAX_LENGTH || u.codePoints().anyMatch(Character::isISOControl)) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR,
                    field + " must be 1-" + MAX_LENGTH + " printable characters", Map.of("field", field));
        }
        return u;
    }
}

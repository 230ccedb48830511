package io.posduif.functions.auth;

import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.http.ApiException;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Singleton;

import java.sql.PreparedStatement;
import java.sql.ResultSet;

/**
 * Checks that a device token's device still exists and is not revoked.
 *
 * <p>Device tokens are short-lived, but "a revoked device gets 401 on every call" must hold
 * immediately, so each device request pays one primary-key lookup.
 */
@Singleton
public class DeviceStatus {

    private final Db db;

    DeviceStatus(Db db) {
        this.db = db;
    }

    public void requireActive(Caller caller) {
        String sql = "SELECT revoked_at IS NOT NULL, user_id FROM " + Sql.q(caller.tenant().schema(), "posduif_devices")
                + " WHERE device_id = ?";
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, caller.deviceId());
                try (ResultSet rs = ps.executeQuery()) {
                    boolean found = rs.next();
                    require(caller, found, found && rs.getBoolean(1), found ? rs.getObject(2) : null);
                }
            }
            return null;
        });
    }

    /**
     * The answers for a device row as read ({@code exists}, revoked, its user): here and in the
     * push, which reads the row in its own transaction instead (PushService).
     */
    public static void require(Caller caller, boolean exists, boolean revoked, Object userId) {
        if (!exists) {
            throw new ApiException(ErrorCode.UNAUTHORIZED, "unknown device");
        }
        if (revoked) {
            throw new ApiException(ErrorCode.DEVICE_REVOKED, "this device was revoked");
        }
        if (!caller.userId().equals(userId)) {
            throw new ApiException(ErrorCode.UNAUTHORIZED, "device does not belong to the token's user");
        }
    }
}

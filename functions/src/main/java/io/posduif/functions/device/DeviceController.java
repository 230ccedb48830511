package io.posduif.functions.device;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.ObjectMapper;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import io.posduif.functions.auth.Caller;
import io.posduif.functions.auth.DeviceIds;
import io.posduif.functions.auth.IdentityEvents;
import io.posduif.functions.auth.RateLimiter;
import io.posduif.functions.auth.SelfRoutingSecret;
import io.posduif.functions.auth.WireTime;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.http.ApiException;
import io.posduif.protocol.ErrorCode;

import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Device credentials (token exchange) and the web users' device list and revocation. */
@Controller("/api/devices")
@Secured(SecurityRule.IS_ANONYMOUS)
@ExecuteOn(TaskExecutors.BLOCKING)
class DeviceController {

    private final DeviceCredentials credentials;
    private final RateLimiter rateLimiter;
    private final IdentityEvents events;
    private final Db db;
    private final ObjectMapper json;

    DeviceController(DeviceCredentials credentials, RateLimiter rateLimiter, IdentityEvents events, Db db, ObjectMapper json) {
        this.credentials = credentials;
        this.rateLimiter = rateLimiter;
        this.events = events;
        this.db = db;
        this.json = json;
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record TokenRequest(@Nullable String deviceId, @Nullable String deviceSecret) {
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record TokenResponse(String accessToken, long expiresIn, String deviceSecret) {
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record DeviceView(String deviceId, UUID userId, String username, @JsonInclude(JsonInclude.Include.ALWAYS) Map<String, Object> deviceInfo, boolean revoked,
                      @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable String revokedAt,
                      @Nullable String revokedReason, boolean online,
                      @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable String lastSeen,
                      @Nullable String lastSyncAt, String createdAt) {
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record DeviceList(@JsonInclude(JsonInclude.Include.ALWAYS) List<DeviceView> devices) {
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record Revoked(String deviceId, boolean revoked) {
    }

    @Post("/token")
    TokenResponse token(HttpRequest<?> request, @Body TokenRequest body) {
        rateLimiter.check(RateLimiter.Action.TOKEN, request,
                SelfRoutingSecret.parse(body.deviceSecret()).map(p -> p.tenant().value()).orElse(null));
        DeviceCredentials.Exchanged e = credentials.exchange(body.deviceId(), body.deviceSecret(),
                (tenant, deviceId) -> events.deviceRevoked(tenant, deviceId, "secret_reuse"));
        return new TokenResponse(e.access().token(), e.access().expiresIn(), e.deviceSecret());
    }

    @Get
    DeviceList list(Caller caller) {
        caller.requireWeb();
        String sql = "SELECT d.device_id, d.user_id, u.username, d.device_info::text, d.revoked_at, d.revoked_reason, d.online,"
                + " d.last_seen, d.last_sync_at, d.created_at FROM " + Sql.q(caller.tenant().schema(), "posduif_devices") + " d JOIN "
                + Sql.q(caller.tenant().schema(), "posduif_users") + " u ON u.id = d.user_id ORDER BY d.created_at, d.device_id";
        return new DeviceList(db.withConnection(c -> {
            List<DeviceView> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new DeviceView(rs.getString(1), rs.getObject(2, UUID.class), rs.getString(3), info(rs.getString(4)),
                            rs.getTimestamp(5) != null, WireTime.format(rs.getTimestamp(5)), rs.getString(6), rs.getBoolean(7),
                            WireTime.format(rs.getTimestamp(8)), WireTime.format(rs.getTimestamp(9)), WireTime.format(rs.getTimestamp(10))));
                }
            }
            return out;
        }));
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record Me(String deviceId, UUID userId, String tenantId) {
    }

    /** The calling device's identity: lets a device check its token and revocation state. */
    @Get("/me")
    Me me(Caller caller) {
        caller.requireDevice();
        return new Me(caller.deviceId(), caller.userId(), caller.tenant().value());
    }

    @Post("/{deviceId}/revoke")
    Revoked revoke(Caller caller, @PathVariable String deviceId) {
        caller.requireWeb();
        if (!DeviceIds.isValid(deviceId)) {
            throw new ApiException(ErrorCode.NOT_FOUND, "no such device");
        }
        boolean changed = db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + Sql.q(caller.tenant().schema(), "posduif_devices")
                    + " SET revoked_at = coalesce(revoked_at, now()), revoked_reason = coalesce(revoked_reason, 'revoked by ' || ?),"
                    + " online = false WHERE device_id = ? RETURNING 1")) {
                ps.setString(1, caller.userId().toString());
                ps.setString(2, deviceId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new ApiException(ErrorCode.NOT_FOUND, "no such device");
                    }
                    return true;
                }
            }
        });
        if (changed) {
            events.deviceRevoked(caller.tenant(), deviceId, "web_user");
        }
        return new Revoked(deviceId, true);
    }

    private Map<String, Object> info(String raw) {
        try {
            Map<String, Object> m = json.readValue(raw, Argument.mapOf(String.class, Object.class));
            return m == null ? Map.of() : m;
        } catch (IOException e) {
            return Map.of();
        }
    }
}

package io.posduif.functions.users;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import io.posduif.functions.auth.Caller;
import io.posduif.functions.auth.WireTime;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.http.ApiException;
import io.posduif.protocol.ErrorCode;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The seed's users API for web users: mobile users with their presence.
 *
 * <p>A mobile user may own several devices; the seed shows one {@code device_id}, so we show the
 * most recently seen active device, {@code online_status} true if any active device is online
 * (maintained by the relay), and the latest {@code last_seen} of user and devices.
 */
@Controller("/api/users")
@Secured(SecurityRule.IS_ANONYMOUS)
@ExecuteOn(TaskExecutors.BLOCKING)
class UsersController {

    private static final int MAX_FILTER = 100;

    private final Db db;

    UsersController(Db db) {
        this.db = db;
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record UserView(UUID id, String username, String userType,
                    @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable String deviceId,
                    boolean onlineStatus,
                    @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable String lastSeen,
                    String createdAt) {
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record UserList(@JsonInclude(JsonInclude.Include.ALWAYS) List<UserView> users) {
    }

    @Get
    UserList list(Caller caller, @Nullable @QueryValue String filter, @Nullable @QueryValue String status) {
        caller.requireWeb();
        Boolean online = switch (status == null ? "" : status) {
            case "" -> null;
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw new ApiException(ErrorCode.VALIDATION_ERROR, "status must be true or false", Map.of("field", "status"));
        };
        if (filter != null && (filter.length() > MAX_FILTER || filter.codePoints().anyMatch(Character::isISOControl))) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "filter must be at most " + MAX_FILTER + " printable characters", Map.of("field", "filter"));
        }
        StringBuilder sql = new StringBuilder(select(caller)).append(" WHERE u.user_type = 'mobile'");
        if (filter != null && !filter.isEmpty()) {
            sql.append(" AND u.username ILIKE ? ESCAPE '\\'");
        }
        if (online != null) {
            sql.append(" AND coalesce(p.online, false) = ?");
        }
        sql.append(" ORDER BY u.username");
        return new UserList(db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                if (filter != null && !filter.isEmpty()) {
                    ps.setString(i++, "%" + filter.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
                }
                if (online != null) {
                    ps.setBoolean(i, online);
                }
                List<UserView> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(view(rs));
                    }
                }
                return out;
            }
        }));
    }

    @Get("/{id}")
    UserView get(Caller caller, @PathVariable String id) {
        caller.requireWeb();
        UUID uid;
        try {
            uid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.NOT_FOUND, "no such user");
        }
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(select(caller) + " WHERE u.id = ?")) {
                ps.setObject(1, uid);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new ApiException(ErrorCode.NOT_FOUND, "no such user");
                    }
                    return view(rs);
                }
            }
        });
    }

    private static String select(Caller caller) {
        String schema = caller.tenant().schema();
        return "SELECT u.id, u.username, u.user_type, p.device_id, coalesce(p.online, false),"
                + " greatest(u.last_seen, p.last_seen), u.created_at FROM " + Sql.q(schema, "posduif_users") + " u"
                + " LEFT JOIN LATERAL (SELECT (array_agg(d.device_id ORDER BY d.last_seen DESC NULLS LAST, d.created_at DESC))[1] AS device_id,"
                + " bool_or(d.online) AS online, max(d.last_seen) AS last_seen FROM " + Sql.q(schema, "posduif_devices") + " d"
                + " WHERE d.user_id = u.id AND d.revoked_at IS NULL) p ON true";
    }

    private static UserView view(ResultSet rs) throws SQLException {
        return new UserView(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4), rs.getBoolean(5),
                WireTime.format(rs.getTimestamp(6)), WireTime.format(rs.getTimestamp(7)));
    }
}

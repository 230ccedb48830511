package io.posduif.functions.enrollment;

import io.micronaut.context.annotation.Value;
import io.posduif.functions.auth.Caller;
import io.posduif.functions.auth.DeviceIds;
import io.posduif.functions.auth.SelfRoutingSecret;
import io.posduif.functions.auth.TokenIssuer;
import io.posduif.functions.auth.Usernames;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.tenant.TenantId;
import io.posduif.functions.tenant.Tenants;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * Enrollment tokens: created by a web user, redeemed once by a device.
 *
 * <p>Tokens are self-routing secrets ({@code <tenant>.<random>}, see {@link SelfRoutingSecret}),
 * stored only as hashes. Redemption is one conditional UPDATE ({@code used_at IS NULL AND
 * revoked_at IS NULL AND expires_at > now()}): two devices racing on one token serialize on the
 * row, and the loser's UPDATE matches nothing. Everything else the redemption creates happens in
 * the same transaction, so a failed completion leaves the token usable.
 */
@Singleton
class Enrollments {

    static final int MAX_DEVICE_INFO_CHARS = 4096;

    private final Db db;
    private final Tenants tenants;
    private final TokenIssuer tokens;
    private final Duration ttl;

    Enrollments(Db db, Tenants tenants, TokenIssuer tokens, @Value("${posduif.enrollment.ttl:24h}") Duration ttl) {
        this.db = db;
        this.tenants = tenants;
        this.tokens = tokens;
        this.ttl = ttl;
    }

    record Created(String token, Instant expiresAt) {
    }

    record Details(String token, TenantId tenant, String createdBy, Instant expiresAt) {
    }

    record Completed(UUID userId, String deviceId, TenantId tenant, String deviceSecret, TokenIssuer.Issued access) {
    }

    Created create(Caller caller, String boundUsername) {
        String bound = boundUsername == null ? null : Usernames.require(boundUsername, "username");
        String token = SelfRoutingSecret.generate(caller.tenant());
        Instant expires = Instant.now().plus(ttl);
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table(caller.tenant())
                    + " (token_hash, created_by, bound_username, expires_at) VALUES (?, ?, ?, ?)")) {
                ps.setString(1, SelfRoutingSecret.hash(token));
                ps.setObject(2, caller.userId());
                ps.setString(3, bound);
                ps.setTimestamp(4, Timestamp.from(expires));
                ps.executeUpdate();
            }
            return null;
        });
        return new Created(token, expires);
    }

    /** A token that can be redeemed now; otherwise the seed's error for its state. */
    Details requireValid(String token) {
        SelfRoutingSecret.Parsed p = route(token);
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT u.username, t.expires_at, t.used_at, t.revoked_at FROM "
                    + table(p.tenant()) + " t JOIN " + Sql.q(p.tenant().schema(), "posduif_users") + " u ON u.id = t.created_by"
                    + " WHERE t.token_hash = ?")) {
                ps.setString(1, p.hash());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw notFound();
                    }
                    failIfUnusable(rs.getTimestamp(2), rs.getTimestamp(3), rs.getTimestamp(4));
                    return new Details(token, p.tenant(), rs.getString(1), rs.getTimestamp(2).toInstant());
                }
            }
        });
    }

    /** As {@link #requireValid} but only within the caller's tenant (QR rendering for web users). */
    Details requireValidOwn(Caller caller, String token) {
        SelfRoutingSecret.Parsed p = route(token);
        if (!p.tenant().equals(caller.tenant())) {
            throw notFound();
        }
        return requireValid(token);
    }

    void revoke(Caller caller, String token) {
        SelfRoutingSecret.Parsed p = route(token);
        if (!p.tenant().equals(caller.tenant())) {
            throw notFound();
        }
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT expires_at, used_at, revoked_at FROM " + table(p.tenant())
                    + " WHERE token_hash = ? FOR UPDATE")) {
                ps.setString(1, p.hash());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw notFound();
                    }
                    if (rs.getTimestamp(2) != null) {
                        throw new ApiException(ErrorCode.ENROLLMENT_USED, "enrollment token was already used");
                    }
                    if (rs.getTimestamp(3) != null) {
                        return null;
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table(p.tenant()) + " SET revoked_at = now() WHERE token_hash = ?")) {
                ps.setString(1, p.hash());
                ps.executeUpdate();
            }
            return null;
        });
    }

    /**
     * Redeems the token: creates (or, for a token bound to that username, reuses) the mobile user
     * and creates the device with a fresh secret.
     */
    Completed complete(String token, String deviceId, String username, String deviceInfoJson) {
        if (!DeviceIds.isValid(deviceId)) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "device_id must be 1-128 characters of A-Z a-z 0-9 . _ : -",
                    Map.of("field", "device_id"));
        }
        String requested = username == null ? null : Usernames.require(username, "username");
        if (deviceInfoJson.length() > MAX_DEVICE_INFO_CHARS) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "device_info is too large", Map.of("field", "device_info"));
        }
        SelfRoutingSecret.Parsed p = route(token);
        TenantId tenant = p.tenant();
        String secret = SelfRoutingSecret.generate(tenant);
        UUID userId = db.inTransaction(c -> {
            String bound;
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table(tenant) + " SET used_at = now(), used_by_device = ?"
                    + " WHERE token_hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now() RETURNING bound_username")) {
                ps.setString(1, deviceId);
                ps.setString(2, p.hash());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw whyUnusable(c, p);
                    }
                    bound = rs.getString(1);
                }
            }
            if (bound != null && requested != null && !bound.equals(requested)) {
                throw new ApiException(ErrorCode.VALIDATION_ERROR, "this enrollment token is for another username",
                        Map.of("field", "username"));
            }
            String name = bound != null ? bound : requested != null ? requested : deviceId;
            UUID uid = mobileUser(c, tenant, name, bound != null);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + Sql.q(tenant.schema(), "posduif_devices")
                    + " (device_id, user_id, secret_hash, device_info) VALUES (?, ?, ?, ?::jsonb) ON CONFLICT (device_id) DO NOTHING")) {
                ps.setString(1, deviceId);
                ps.setObject(2, uid);
                ps.setString(3, SelfRoutingSecret.hash(secret));
                ps.setString(4, deviceInfoJson);
                if (ps.executeUpdate() == 0) {
                    throw new ApiException(ErrorCode.DEVICE_ID_TAKEN, "a device with this id is already enrolled",
                            Map.of("field", "device_id"));
                }
            }
            return uid;
        });
        return new Completed(userId, deviceId, tenant, secret, tokens.deviceToken(tenant, userId, deviceId));
    }

    private UUID mobileUser(Connection c, TenantId tenant, String name, boolean mayReuse) throws SQLException {
        String users = Sql.q(tenant.schema(), "posduif_users");
        UUID id = UUID.randomUUID();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + users
                + " (id, username, user_type) VALUES (?, ?, 'mobile') ON CONFLICT (username) DO NOTHING")) {
            ps.setObject(1, id);
            ps.setString(2, name);
            if (ps.executeUpdate() == 1) {
                return id;
            }
        }
        if (mayReuse) {
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM " + users + " WHERE username = ? AND user_type = 'mobile'")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return rs.getObject(1, UUID.class);
                    }
                }
            }
        }
        throw new ApiException(ErrorCode.USERNAME_TAKEN, "username already exists", Map.of("field", "username"));
    }

    private ApiException whyUnusable(Connection c, SelfRoutingSecret.Parsed p) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT expires_at, used_at, revoked_at FROM " + table(p.tenant())
                + " WHERE token_hash = ?")) {
            ps.setString(1, p.hash());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return notFound();
                }
                try {
                    failIfUnusable(rs.getTimestamp(1), rs.getTimestamp(2), rs.getTimestamp(3));
                } catch (ApiException e) {
                    return e;
                }
                // usable again (a racing completion rolled back): tell the client to retry
                return new ApiException(ErrorCode.ENROLLMENT_USED, "enrollment token is being redeemed");
            }
        }
    }

    private static void failIfUnusable(Timestamp expiresAt, Timestamp usedAt, Timestamp revokedAt) {
        if (revokedAt != null) {
            throw new ApiException(ErrorCode.ENROLLMENT_REVOKED, "enrollment token was revoked");
        }
        if (usedAt != null) {
            throw new ApiException(ErrorCode.ENROLLMENT_USED, "enrollment token was already used");
        }
        if (!expiresAt.toInstant().isAfter(Instant.now())) {
            throw new ApiException(ErrorCode.ENROLLMENT_EXPIRED, "enrollment token expired");
        }
    }

    /** The tenant a token names, if it exists; anything else is just "not found". */
    private SelfRoutingSecret.Parsed route(String token) {
        SelfRoutingSecret.Parsed p = SelfRoutingSecret.parse(token).orElseThrow(Enrollments::notFound);
        if (!tenants.exists(p.tenant().value())) {
            throw notFound();
        }
        return p;
    }

    private static ApiException notFound() {
        return new ApiException(ErrorCode.ENROLLMENT_NOT_FOUND, "enrollment token not found");
    }

    private static String table(TenantId tenant) {
        return Sql.q(tenant.schema(), "posduif_enrollment_tokens");
    }
}

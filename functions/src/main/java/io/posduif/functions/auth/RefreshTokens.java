package io.posduif.functions.auth;

import io.micronaut.context.annotation.Value;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.tenant.TenantId;
import io.posduif.functions.tenant.Tenants;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Rotating refresh tokens for web users, stored hashed.
 *
 * <p>Each use returns a new token of the same family and marks the old one used. Presenting a
 * used token again means it was copied: the whole family is revoked, so the thief and the
 * owner both have to sign in again.
 */
@Singleton
class RefreshTokens {

    private static final Logger LOG = LoggerFactory.getLogger(RefreshTokens.class);

    private final Db db;
    private final Tenants tenants;
    private final Duration ttl;

    RefreshTokens(Db db, Tenants tenants, @Value("${posduif.auth.refresh-token-ttl:30d}") Duration ttl) {
        this.db = db;
        this.tenants = tenants;
        this.ttl = ttl;
    }

    /** A token for a new login (new family). */
    String issue(TenantId tenant, UUID userId) {
        String token = SelfRoutingSecret.generate(tenant);
        db.withConnection(c -> {
            insert(c, tenant, token, userId, UUID.randomUUID());
            return null;
        });
        return token;
    }

    record Rotated(TenantId tenant, UUID userId, String refreshToken) {
    }

    /** Empty when the token is unknown, expired, revoked or reused (reuse revokes its family). */
    Optional<Rotated> rotate(String presented) {
        Optional<SelfRoutingSecret.Parsed> parsed = SelfRoutingSecret.parse(presented);
        if (parsed.isEmpty() || !tenants.exists(parsed.get().tenant().value())) {
            return Optional.empty();
        }
        TenantId tenant = parsed.get().tenant();
        String table = Sql.q(tenant.schema(), "posduif_refresh_tokens");
        return db.inTransaction(c -> {
            UUID userId;
            UUID family;
            try (PreparedStatement ps = c.prepareStatement("SELECT user_id, family_id, expires_at, used_at, revoked_at FROM "
                    + table + " WHERE token_hash = ? FOR UPDATE")) {
                ps.setString(1, parsed.get().hash());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<Rotated>empty();
                    }
                    userId = rs.getObject(1, UUID.class);
                    family = rs.getObject(2, UUID.class);
                    if (rs.getTimestamp(5) != null || rs.getTimestamp(3).toInstant().isBefore(Instant.now())) {
                        return Optional.<Rotated>empty();
                    }
                    if (rs.getTimestamp(4) != null) {
                        try (PreparedStatement rv = c.prepareStatement("UPDATE " + table
                                + " SET revoked_at = now() WHERE family_id = ? AND revoked_at IS NULL")) {
                            rv.setObject(1, family);
                            rv.executeUpdate();
                        }
                        LOG.warn("tenant {}: refresh token reused for user {}; token family revoked", tenant, userId);
                        return Optional.<Rotated>empty();
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET used_at = now() WHERE token_hash = ?")) {
                ps.setString(1, parsed.get().hash());
                ps.executeUpdate();
            }
            String next = SelfRoutingSecret.generate(tenant);
            insert(c, tenant, next, userId, family);
            return Optional.of(new Rotated(tenant, userId, next));
        });
    }

    private void insert(java.sql.Connection c, TenantId tenant, String token, UUID userId, UUID family) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + Sql.q(tenant.schema(), "posduif_refresh_tokens")
                + " (token_hash, user_id, family_id, expires_at) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, SelfRoutingSecret.hash(token));
            ps.setObject(2, userId);
            ps.setObject(3, family);
            ps.setTimestamp(4, Timestamp.from(Instant.now().plus(ttl)));
            ps.executeUpdate();
        }
    }
}

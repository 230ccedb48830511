package io.posduif.functions.support;

import io.posduif.functions.auth.TokenIssuer;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.tenant.TenantId;
import io.posduif.functions.tenant.Tenants;
import jakarta.inject.Singleton;

import java.sql.PreparedStatement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test data made through the real tables: fresh tenants, users and devices, and tokens for them.
 * Each test class makes its own tenant, so tests never see each other's rows.
 */
@Singleton
public class Fixtures {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final Tenants tenants;
    private final Db db;
    private final TokenIssuer tokens;

    Fixtures(Tenants tenants, Db db, TokenIssuer tokens) {
        this.tenants = tenants;
        this.db = db;
        this.tokens = tokens;
    }

    public record User(TenantId tenant, UUID id, String username, String token) {
    }

    public record Device(TenantId tenant, UUID userId, String deviceId, String token) {
    }

    /** A new, empty tenant with a unique id. */
    public TenantId newTenant(String prefix) {
        TenantId id = new TenantId(prefix + "_" + Long.toString(System.nanoTime() % 1_000_000_000L, 36) + COUNTER.incrementAndGet());
        tenants.create(id);
        return id;
    }

    public User webUser(TenantId tenant, String... roles) {
        UUID id = UUID.randomUUID();
        String username = "web_" + id.toString().substring(0, 8);
        insertUser(tenant, id, username, "web", roles.length == 0 ? new String[]{"web"} : roles);
        return new User(tenant, id, username, tokens.webToken(tenant, id, List.of(roles.length == 0 ? new String[]{"web"} : roles)).token());
    }

    public User mobileUser(TenantId tenant) {
        UUID id = UUID.randomUUID();
        String username = "mobile_" + id.toString().substring(0, 8);
        insertUser(tenant, id, username, "mobile", new String[0]);
        return new User(tenant, id, username, null);
    }

    public Device device(TenantId tenant, UUID userId) {
        String deviceId = "dev-" + UUID.randomUUID();
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + Sql.q(tenant.schema(), "posduif_devices")
                    + " (device_id, user_id, secret_hash) VALUES (?, ?, 'test-fixture-no-secret')")) {
                ps.setString(1, deviceId);
                ps.setObject(2, userId);
                ps.executeUpdate();
            }
            return null;
        });
        return new Device(tenant, userId, deviceId, tokens.deviceToken(tenant, userId, deviceId).token());
    }

    private void insertUser(TenantId tenant, UUID id, String username, String type, String[] roles) {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + Sql.q(tenant.schema(), "posduif_users")
                    + " (id, username, user_type, roles) VALUES (?, ?, ?, ?)")) {
                ps.setObject(1, id);
                ps.setString(2, username);
                ps.setString(3, type);
                ps.setArray(4, c.createArrayOf("text", roles));
                ps.executeUpdate();
            }
            return null;
        });
    }
}

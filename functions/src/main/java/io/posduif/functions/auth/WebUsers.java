package io.posduif.functions.auth;

import io.posduif.functions.db.Db;
import io.posduif.functions.db.PgText;
import io.posduif.functions.db.Sql;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.tenant.TenantId;
import io.posduif.functions.tenant.Tenants;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Singleton;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Web users of a tenant: creation (admin API, CLI, OIDC first login) and password checks. */
@Singleton
public class WebUsers {

    static final int MIN_PASSWORD_LENGTH = 8;
    static final int MAX_PASSWORD_LENGTH = 1024;

    private final Db db;
    private final Tenants tenants;
    private final PasswordHasher hasher;

    WebUsers(Db db, Tenants tenants, PasswordHasher hasher) {
        this.db = db;
        this.tenants = tenants;
        this.hasher = hasher;
    }

    /** A web user as the API shows it. */
    public record WebUser(UUID id, String username, List<String> roles) {
    }

    /**
     * Creates a password user with role {@code web}, plus {@code admin} when asked.
     *
     * @throws ApiException VALIDATION_ERROR for a bad username/password, USERNAME_TAKEN,
     *                      TENANT_NOT_FOUND
     */
    public WebUser create(TenantId tenant, String username, String password, boolean admin) {
        String name = Usernames.require(username, "username");
        if (password == null || password.length() < MIN_PASSWORD_LENGTH || password.length() > MAX_PASSWORD_LENGTH) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR,
                    "password must be " + MIN_PASSWORD_LENGTH + "-" + MAX_PASSWORD_LENGTH + " characters", Map.of("field", "password"));
        }
        if (!tenants.exists(tenant.value())) {
            throw new ApiException(ErrorCode.TENANT_NOT_FOUND, "no such tenant: " + tenant);
        }
        List<String> roles = admin ? List.of(Caller.ROLE_ADMIN, Caller.ROLE_WEB) : List.of(Caller.ROLE_WEB);
        String hash = hasher.hash(password);
        UUID id = UUID.randomUUID();
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + Sql.q(tenant.schema(), "posduif_users")
                    + " (id, username, user_type, roles, password_hash) VALUES (?, ?, 'web', ?, ?) ON CONFLICT (username) DO NOTHING")) {
                ps.setObject(1, id);
                ps.setString(2, name);
                ps.setArray(3, c.createArrayOf("text", roles.toArray()));
                ps.setString(4, hash);
                if (ps.executeUpdate() == 0) {
                    throw new ApiException(ErrorCode.USERNAME_TAKEN, "username already exists", Map.of("field", "username"));
                }
            }
            return new WebUser(id, name, roles);
        });
    }

    /**
     * The web user whose password matches, else empty. Unknown tenants and usernames cost the
     * same hash work as a wrong password so that timing does not reveal which it was.
     */
    public Optional<WebUser> authenticate(TenantId tenant, String username, String password) {
        if (password == null || password.length() > MAX_PASSWORD_LENGTH || username == null
                || username.length() > Usernames.MAX_LENGTH || username.codePoints().anyMatch(Character::isISOControl)
                || !tenants.exists(tenant.value())) {
            hasher.dummyVerify(password == null ? "" : password.substring(0, Math.min(password.length(), MAX_PASSWORD_LENGTH)));
            return Optional.empty();
        }
        Optional<Row> row = db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, username, roles, password_hash FROM "
                    + Sql.q(tenant.schema(), "posduif_users") + " WHERE username = ? AND user_type = 'web'")) {
                ps.setString(1, username.strip());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Row(new WebUser(rs.getObject(1, UUID.class), rs.getString(2), roles(rs.getArray(3))),
                            rs.getString(4))) : Optional.<Row>empty();
                }
            }
        });
        if (row.isEmpty() || row.get().hash() == null) {
            hasher.dummyVerify(password);
            return Optional.empty();
        }
        return hasher.verify(password, row.get().hash()) ? Optional.of(row.get().user()) : Optional.empty();
    }

    /** A web user by id (refresh), empty if gone. */
    public Optional<WebUser> find(TenantId tenant, UUID id) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, username, roles FROM "
                    + Sql.q(tenant.schema(), "posduif_users") + " WHERE id = ? AND user_type = 'web'")) {
                ps.setObject(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new WebUser(rs.getObject(1, UUID.class), rs.getString(2), roles(rs.getArray(3))))
                            : Optional.<WebUser>empty();
                }
            }
        });
    }

    /**
     * The web user linked to an OIDC subject, created on first login. The username is the
     * preferred one (e.g. the e-mail) when free and storable, else the subject key itself. A subject
     * PostgreSQL cannot store (U+0000) is VALIDATION_ERROR.
     */
    public WebUser findOrCreateOidc(TenantId tenant, String subjectKey, String preferredUsername) {
        if (PgText.containsNul(subjectKey)) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "the ID token's subject " + PgText.NUL_REFUSED, Map.of("field", "id_token"));
        }
        return db.inTransaction(c -> {
            String table = Sql.q(tenant.schema(), "posduif_users");
            try (PreparedStatement ps = c.prepareStatement("SELECT id, username, roles, user_type FROM " + table + " WHERE oidc_subject = ?")) {
                ps.setString(1, subjectKey);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        if (!"web".equals(rs.getString(4))) {
                            throw new ApiException(ErrorCode.INVALID_CREDENTIALS, "this identity is not a web user");
                        }
                        return new WebUser(rs.getObject(1, UUID.class), rs.getString(2), roles(rs.getArray(3)));
                    }
                }
            }
            UUID id = UUID.randomUUID();
            List<String> roles = List.of(Caller.ROLE_WEB);
            for (String candidate : new String[]{preferredUsername, subjectKey}) {
                if (candidate == null || candidate.isBlank() || candidate.length() > Usernames.MAX_LENGTH || PgText.containsNul(candidate)) {
                    continue;
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
                        + " (id, username, user_type, roles, oidc_subject) VALUES (?, ?, 'web', ?, ?) ON CONFLICT DO NOTHING")) {
                    ps.setObject(1, id);
                    ps.setString(2, candidate.strip());
                    ps.setArray(3, c.createArrayOf("text", roles.toArray()));
                    ps.setString(4, subjectKey);
                    if (ps.executeUpdate() == 1) {
                        return new WebUser(id, candidate.strip(), roles);
                    }
                }
            }
            throw new ApiException(ErrorCode.USERNAME_TAKEN, "no free username for this identity");
        });
    }

    static List<String> roles(Array array) throws SQLException {
        return array == null ? List.of() : Arrays.stream((Object[]) array.getArray()).map(String::valueOf).toList();
    }

    private record Row(WebUser user, String hash) {
    }
}

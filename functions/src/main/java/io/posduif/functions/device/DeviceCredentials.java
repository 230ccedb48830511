package io.posduif.functions.device;

import io.posduif.functions.auth.DeviceIds;
import io.posduif.functions.auth.SelfRoutingSecret;
import io.posduif.functions.auth.TokenIssuer;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.tenant.TenantId;
import io.posduif.functions.tenant.Tenants;
import io.posduif.protocol.ErrorCode;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;

/**
 * Exchanges a device secret for a device JWT, rotating the secret each time.
 *
 * <p>Rotation turns a stolen secret into a detectable event: after the thief (or the owner)
 * exchanges it, the other party holds a rotated-away secret, and presenting that revokes the
 * device for both. The row is locked for the exchange so that two concurrent exchanges of one
 * secret cannot both rotate it.
 *
 * <p>One exception keeps flaky networks from revoking honest devices: if the answer to an
 * exchange is lost, the device retries with the secret that exchange rotated away. Within
 * {@code posduif.device.secret-retry-grace} (default 30 s, 0 disables) of the rotation, the
 * latest rotated-away secret is accepted once more and rotates again (the lost secret becomes
 * the rotated-away one). Theft is still caught: whichever party is left holding an older secret
 * revokes the device on its next exchange.
 */
@Singleton
class DeviceCredentials {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceCredentials.class);
    /** Rotated-away hashes kept per device for theft detection. */
    static final int KEEP_PREVIOUS = 50;

    private final Db db;
    private final Tenants tenants;
    private final TokenIssuer tokens;

    private final Duration retryGrace;

    DeviceCredentials(Db db, Tenants tenants, TokenIssuer tokens,
                      @Value("${posduif.device.secret-retry-grace:30s}") Duration retryGrace) {
        this.db = db;
        this.tenants = tenants;
        this.tokens = tokens;
        this.retryGrace = retryGrace;
    }

    record Exchanged(TenantId tenant, String deviceId, TokenIssuer.Issued access, String deviceSecret) {
    }

    private enum Outcome { OK, UNKNOWN, REVOKED, REUSED }

    /**
     * @param onTheft called with the tenant after a reused secret revoked the device (committed)
     */
    Exchanged exchange(String deviceId, String secret, java.util.function.BiConsumer<TenantId, String> onTheft) {
        if (deviceId == null || secret == null) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "device_id and device_secret are required");
        }
        Optional<SelfRoutingSecret.Parsed> parsed = SelfRoutingSecret.parse(secret);
        if (parsed.isEmpty() || !DeviceIds.isValid(deviceId) || !tenants.exists(parsed.get().tenant().value())) {
            throw invalid();
        }
        TenantId tenant = parsed.get().tenant();
        String presented = parsed.get().hash();
        String next = SelfRoutingSecret.generate(tenant);
        String table = Sql.q(tenant.schema(), "posduif_devices");
        UUID[] user = new UUID[1];
        Outcome outcome = db.inTransaction(c -> {
            String current;
            String[] previous;
            boolean inGrace;
            try (PreparedStatement ps = c.prepareStatement("SELECT user_id, secret_hash, previous_secret_hashes, revoked_at,"
                    + " secret_rotated_at > now() - make_interval(secs => ?) FROM "
                    + table + " WHERE device_id = ? FOR UPDATE")) {
                ps.setDouble(1, retryGrace.toMillis() / 1000.0);
                ps.setString(2, deviceId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Outcome.UNKNOWN;
                    }
                    user[0] = rs.getObject(1, UUID.class);
                    current = rs.getString(2);
                    previous = strings(rs.getArray(3));
                    inGrace = rs.getBoolean(5);
                    if (rs.getTimestamp(4) != null) {
                        return SelfRoutingSecret.sameHash(presented, current) || contains(previous, presented)
                                ? Outcome.REVOKED : Outcome.UNKNOWN;
                    }
                }
            }
            // A lost answer: the client retries with the secret rotated away moments ago. Only the
            // latest one, only within the grace, and rotating again makes it single-use.
            boolean retry = inGrace && previous.length > 0 && SelfRoutingSecret.sameHash(presented, previous[previous.length - 1]);
            if (SelfRoutingSecret.sameHash(presented, current) || retry) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET secret_hash = ?, secret_rotated_at = now(),"
                        + " previous_secret_hashes = (array_append(previous_secret_hashes, ?))[greatest(1, cardinality(previous_secret_hashes) + 2 - "
                        + KEEP_PREVIOUS + "):] WHERE device_id = ?")) {
                    ps.setString(1, SelfRoutingSecret.hash(next));
                    ps.setString(2, current);
                    ps.setString(3, deviceId);
                    ps.executeUpdate();
                }
                return Outcome.OK;
            }
            if (contains(previous, presented)) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + table
                        + " SET revoked_at = now(), revoked_reason = 'secret_reuse', online = false WHERE device_id = ?")) {
                    ps.setString(1, deviceId);
                    ps.executeUpdate();
                }
                return Outcome.REUSED;
            }
            return Outcome.UNKNOWN;
        });
        return switch (outcome) {
            case OK -> new Exchanged(tenant, deviceId, tokens.deviceToken(tenant, user[0], deviceId), next);
            case UNKNOWN -> throw invalid();
            case REVOKED -> throw new ApiException(ErrorCode.DEVICE_REVOKED, "this device was revoked");
            case REUSED -> {
                LOG.warn("tenant {}: device {} presented a rotated-away secret; device revoked", tenant, deviceId);
                onTheft.accept(tenant, deviceId);
                throw new ApiException(ErrorCode.DEVICE_REVOKED, "a rotated-away secret was presented; the device is revoked");
            }
        };
    }

    private static boolean contains(String[] hashes, String hash) {
        boolean found = false;
        for (String h : hashes) {
            found |= SelfRoutingSecret.sameHash(h, hash);
        }
        return found;
    }

    private static String[] strings(Array a) throws java.sql.SQLException {
        return a == null ? new String[0] : Arrays.stream((Object[]) a.getArray()).map(String::valueOf).toArray(String[]::new);
    }

    private static ApiException invalid() {
        return new ApiException(ErrorCode.INVALID_CREDENTIALS, "unknown device or wrong secret");
    }
}

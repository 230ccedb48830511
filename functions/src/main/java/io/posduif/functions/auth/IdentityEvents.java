package io.posduif.functions.auth;

import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/**
 * HOOK for the realtime publisher ({@code io.posduif.functions.realtime}, relay developer):
 * identity events that web users and devices must hear about over SSE.
 *
 * <p>Called after the identity change committed. Until the publisher is in main this only
 * logs; wiring it means calling the publisher here with the protocol §7 payloads
 * ({@code device_enrolled} to web users, {@code device_revoked} to the device). Best effort:
 * must never fail the request.
 */
@Singleton
public class IdentityEvents {

    private static final Logger LOG = LoggerFactory.getLogger(IdentityEvents.class);

    /** {@code {"type":"device_enrolled","user_id","device_id","token"}} to the tenant's web users. */
    public void deviceEnrolled(TenantId tenant, UUID userId, String deviceId, String enrollmentToken) {
        LOG.info("tenant {}: device {} enrolled for user {} (realtime publish pending)", tenant, deviceId, userId);
    }

    /** {@code {"type":"device_revoked"}} to the device; the relay then closes its stream. */
    public void deviceRevoked(TenantId tenant, String deviceId, String reason) {
        LOG.info("tenant {}: device {} revoked ({}) (realtime publish pending)", tenant, deviceId, reason);
    }
}

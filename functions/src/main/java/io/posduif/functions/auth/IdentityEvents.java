package io.posduif.functions.auth;

import io.posduif.functions.realtime.RealtimeEvent;
import io.posduif.functions.realtime.RealtimePublisher;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/**
 * Identity events that web users and devices hear about over SSE (protocol §7), published
 * through the realtime publisher after the identity change committed. Best effort: the
 * publisher never throws, and a revoked device is refused by every endpoint whether or not
 * the relay got the news.
 */
@Singleton
public class IdentityEvents {

    private static final Logger LOG = LoggerFactory.getLogger(IdentityEvents.class);

    private final RealtimePublisher publisher;

    IdentityEvents(RealtimePublisher publisher) {
        this.publisher = publisher;
    }

    /** {@code {"type":"device_enrolled","user_id","device_id","token"}} to the tenant's web users. */
    public void deviceEnrolled(TenantId tenant, UUID userId, String deviceId, String enrollmentToken) {
        LOG.info("tenant {}: device {} enrolled for user {}", tenant, deviceId, userId);
        publisher.publish(tenant, RealtimeEvent.deviceEnrolled(userId, deviceId, enrollmentToken));
    }

    /** {@code {"type":"device_revoked"}} to the device; the relay then closes its stream. */
    public void deviceRevoked(TenantId tenant, String deviceId, String reason) {
        LOG.info("tenant {}: device {} revoked ({})", tenant, deviceId, reason);
        publisher.publish(tenant, RealtimeEvent.deviceRevoked(deviceId));
    }
}

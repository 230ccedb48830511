package io.posduif.functions.realtime;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class DeviceScopesNotifyTheRelayOnlyOnChangeTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    DeviceScopes scopes;

    @Test
    void recordingTheSameSetAgainIsANoOp() {
        TenantId t = fixtures.newTenant("scopes");
        var user = fixtures.mobileUser(t);
        var device = fixtures.device(t, user.id());
        assertTrue(scopes.record(t, device.deviceId(), List.of("b|x", "a|y")));
        assertFalse(scopes.record(t, device.deviceId(), List.of("a|y", "b|x", "a|y")), "order and duplicates do not matter");
        assertTrue(scopes.record(t, device.deviceId(), List.of("a|y")));
    }
}

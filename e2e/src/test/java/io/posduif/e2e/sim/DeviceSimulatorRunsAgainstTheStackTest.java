package io.posduif.e2e.sim;

import com.fasterxml.jackson.databind.JsonNode;
import io.posduif.client.sim.DeviceSimulator;
import io.posduif.e2e.support.E2eServer;
import io.posduif.functions.auth.WebUsers;
import io.posduif.functions.tenant.TenantId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulator command the benchmarks use, run against a real stack: devices enroll, write, sync and report. */
class DeviceSimulatorRunsAgainstTheStackTest {
    @TempDir
    Path dir;

    @Test
    void simulatedDevicesDeliverEveryWriteEvenWithLostAcknowledgements() throws Exception {
        E2eServer server = E2eServer.shared();
        TenantId tenant = server.newTenant("e2esim", Files.readString(Path.of("..", "infra", "tenants", "demo.yaml")));
        server.bean(WebUsers.class).create(tenant, "simadmin", "sim-password-1", true);

        DeviceSimulator.Config config = DeviceSimulator.Config.parse(new String[] {
                "--url", server.url(), "--username", "simadmin", "--password", "sim-password-1", "--tenant", tenant.value(),
                "--mobile-users", "sim_a,sim_b", "--devices", "4", "--writes-per-device", "40", "--sync-every", "8",
                "--tables", "notes", "--lose-ack-probability", "0.3", "--seed", "7", "--db-dir", dir.toString()});
        JsonNode report = DeviceSimulator.runAndReport(config);

        assertEquals(4, report.path("devices").asInt(), report.toString());
        assertEquals(160, report.path("writes").asLong() + report.path("write_errors").asLong(), report.toString());
        assertTrue(report.path("writes").asLong() > 100, report.toString());
        assertEquals(0, report.path("pending_after_quiet_sync").asLong(), report.toString());
        assertEquals(0, report.path("rejected").asLong(), report.toString());
        assertTrue(report.path("applied").asLong() > 0, report.toString());
        assertTrue(report.path("sync_latency_ms").path("count").asInt() > 0, report.toString());
        assertEquals(4, report.path("enroll_latency_ms").path("count").asInt(), report.toString());
    }
}

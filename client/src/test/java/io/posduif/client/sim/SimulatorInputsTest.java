package io.posduif.client.sim;

import io.posduif.client.PosduifDevice;
import io.posduif.client.TableDef;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimulatorInputsTest {

    @Test
    void commandLineIsParsedAndMissingUrlPrintsUsage() {
        DeviceSimulator.Config c = DeviceSimulator.Config.parse(new String[] {"--url", "http://h:1", "--devices", "7",
                "--mobile-users", "a,b", "--lose-ack-probability", "0.25", "--seed", "42", "--writes-per-device", "9"});
        assertEquals("http://h:1", c.url());
        assertEquals(7, c.devices());
        assertEquals(List.of("a", "b"), c.mobileUsers());
        assertEquals(0.25, c.loseAckProbability());
        assertEquals(42, c.seed());
        assertEquals(9, c.writesPerDevice());
        assertEquals(Duration.ofSeconds(30), c.duration());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceSimulator.Config.parse(new String[] {"--devices", "3"}));
        assertTrue(e.getMessage().startsWith("usage:"));
        assertThrows(IllegalArgumentException.class, () -> DeviceSimulator.Config.parse(new String[] {"--url"}));
        assertThrows(IllegalArgumentException.class, () -> DeviceSimulator.Config.parse(new String[] {"stray"}));
    }

    @Test
    void generatedRowsAreAcceptedBySqliteForEveryColumnType() throws Exception {
        try (PosduifDevice device = PosduifDevice.inMemory(PosduifDevice.Options.defaults())) {
            io.posduif.client.TestSchemas.load(device);
            RowGenerator gen = new RowGenerator(new Random(7), "user-1", RowGenerator.DEFAULT_OWNER_COLUMNS);
            TableDef t = device.instructions().table("everything");
            for (int i = 0; i < 200; i++) {
                Map<String, Object> row = gen.newRow(t);
                device.insert("everything", row);
                device.update("everything", gen.change(t, Map.of("id", row.get("id"))));
            }
            assertEquals(200, device.rows("everything").size());
            assertEquals(400, device.pendingCount());
            assertTrue(device.rows("everything").stream().allMatch(r -> r.path("user_id").asText().equals("user-1")));
        }
    }
}

package io.posduif.functions.cli;

import io.posduif.devstack.EmbeddedStack;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the command line as {@code main} does (its own context, no HTTP server) against the real stack. */
class TenantCommandLineTest {

    record Run(int status, String out, String err) {
    }

    static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, Object> props = new HashMap<>(EmbeddedStack.shared().micronautProperties());
        // a port nobody listens on: proves the command does not need (or start) the server
        props.put("micronaut.server.port", "-1");
        int status = Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), props);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static boolean schemaExists(String schema) throws Exception {
        try (Connection c = EmbeddedStack.shared().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1 FROM pg_namespace WHERE nspname = '" + schema + "'")) {
            return rs.next();
        }
    }

    @Test
    void createListDropRoundTrip() throws Exception {
        String id = "cli_" + Long.toString(System.nanoTime() % 100_000_000L, 36);
        Run created = cli("tenant", "create", id);
        assertEquals(0, created.status(), created.err());
        assertEquals("created " + id, created.out().strip());
        assertTrue(schemaExists("tenant_" + id));

        Run again = cli("tenant", "create", id);
        assertEquals(0, again.status(), again.err());
        assertEquals("exists " + id, again.out().strip());

        Run list = cli("tenant", "list");
        assertEquals(0, list.status());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith(id + "\ttenant_" + id + "\t")), list.out());

        Run unconfirmed = cli("tenant", "drop", id);
        assertEquals(CliCommand.USAGE, unconfirmed.status());
        Run wrong = cli("tenant", "drop", id, "--confirm", "yes");
        assertEquals(CliCommand.USAGE, wrong.status());
        assertTrue(schemaExists("tenant_" + id), "an unconfirmed drop must change nothing");

        Run dropped = cli("tenant", "drop", id, "--confirm", id);
        assertEquals(0, dropped.status(), dropped.err());
        assertFalse(schemaExists("tenant_" + id));
        Run missing = cli("tenant", "drop", id, "--confirm", id);
        assertEquals(CliCommand.FAILED, missing.status());
    }

    @Test
    void badUsageExitsWith2AndExplains() {
        for (String[] args : new String[][]{{"nonsense"}, {"tenant"}, {"tenant", "frobnicate"}, {"tenant", "create"},
                {"tenant", "create", "Bad-Id"}, {"tenant", "create", "a", "b"}, {"tenant", "list", "extra"}}) {
            Run r = cli(args);
            assertEquals(CliCommand.USAGE, r.status(), String.join(" ", args) + ": " + r.out() + r.err());
            assertFalse(r.err().isBlank());
        }
    }

    @Test
    void helpListsTheCommands() {
        Run r = cli("help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("tenant create <id>"), r.out());
    }

    @Test
    void serveIsTheDefault() {
        assertTrue(Cli.wantsServer(new String[0]));
        assertTrue(Cli.wantsServer(new String[]{"serve"}));
        assertTrue(Cli.wantsServer(new String[]{"--micronaut.server.port=9000"}));
        assertFalse(Cli.wantsServer(new String[]{"tenant", "list"}));
        assertEquals(0, Cli.serverArgs(new String[]{"serve"}).length);
    }
}

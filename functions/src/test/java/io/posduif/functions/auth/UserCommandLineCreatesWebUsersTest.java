package io.posduif.functions.auth;

import io.posduif.devstack.EmbeddedStack;
import io.posduif.functions.cli.Cli;
import io.posduif.functions.cli.CliCommand;
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

/** The CLI as {@code main} runs it (own context, no HTTP server) against the real stack. */
class UserCommandLineCreatesWebUsersTest {

    record Run(int status, String out, String err) {
    }

    static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, Object> props = new HashMap<>(EmbeddedStack.shared().micronautProperties());
        props.put("micronaut.server.port", "-1");
        int status = Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), props);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void createsAnAdminWhoCanThenSignIn() throws Exception {
        String tenant = "ucli_" + Long.toString(System.nanoTime() % 100_000_000L, 36);
        assertEquals(0, cli("tenant", "create", tenant).status());
        Run created = cli("user", "create", tenant, "boss", "--password", "s3cret-password", "--admin");
        assertEquals(0, created.status(), created.err());
        assertTrue(created.out().startsWith("created boss "), created.out());
        assertTrue(created.out().strip().endsWith("admin,web"), created.out());
        try (Connection c = EmbeddedStack.shared().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT user_type, roles::text, password_hash FROM tenant_" + tenant + ".posduif_users WHERE username = 'boss'")) {
            assertTrue(rs.next());
            assertEquals("web", rs.getString(1));
            assertEquals("{admin,web}", rs.getString(2));
            assertFalse(rs.getString(3).contains("s3cret"));
        }
        Run again = cli("user", "create", tenant, "boss", "--password", "other-password");
        assertEquals(CliCommand.FAILED, again.status());
        assertTrue(again.err().contains("USERNAME_TAKEN"), again.err());
    }

    @Test
    void badUsageExitsWith2AndMissingTenantFails() {
        for (String[] args : new String[][]{{"user"}, {"user", "delete"}, {"user", "create", "t"},
                {"user", "create", "demo", "x"}, {"user", "create", "Bad-T", "x", "--password", "long-enough"},
                {"user", "create", "demo", "x", "--password", "short"}, {"user", "create", "demo", "x", "--password"},
                {"user", "create", "demo", "x", "--bogus"}, {"user", "create", "demo", "x", "--password-env", "POSDUIF_NOT_SET_ANYWHERE"}}) {
            Run r = cli(args);
            assertEquals(CliCommand.USAGE, r.status(), String.join(" ", args) + ": " + r.out() + r.err());
            assertFalse(r.err().isBlank());
        }
        Run noTenant = cli("user", "create", "no_such_tenant_x", "x", "--password", "long-enough");
        assertEquals(CliCommand.FAILED, noTenant.status());
        assertTrue(noTenant.err().contains("TENANT_NOT_FOUND"), noTenant.err());
    }
}

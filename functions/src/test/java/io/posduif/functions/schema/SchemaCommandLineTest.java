package io.posduif.functions.schema;

import io.posduif.devstack.EmbeddedStack;
import io.posduif.functions.cli.Cli;
import io.posduif.functions.cli.CliCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operator's schema workflow through the real command line (own context, no HTTP server). */
class SchemaCommandLineTest {

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
    void validatePlanApplyVersions(@TempDir Path dir) throws Exception {
        String tenant = "cli_s" + Long.toString(System.nanoTime() % 100_000_000L, 36);
        assertEquals(0, cli("tenant", "create", tenant).status());
        Path demo = Path.of("../infra/tenants/demo.yaml");

        Run valid = cli("schema", "validate", demo.toString());
        assertEquals(0, valid.status(), valid.err());
        assertTrue(valid.out().startsWith("valid sha256:"), valid.out());

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "tables:\n  t:\n    sync: web-only\n    columns:\n      id: { type: varchar, primary_key: true }\n");
        Run invalid = cli("schema", "validate", bad.toString());
        assertEquals(CliCommand.FAILED, invalid.status());
        assertTrue(invalid.err().contains("bad.yaml:5: tables.t.columns.id.type: unknown type 'varchar'"), invalid.err());

        Run plan = cli("schema", "plan", tenant, demo.toString());
        assertEquals(0, plan.status(), plan.err());
        assertTrue(plan.out().contains("create table messages"), plan.out());
        assertTrue(plan.out().contains("CREATE TABLE \"tenant_" + tenant + "\".\"messages\""), plan.out());

        Run apply = cli("schema", "apply", tenant, demo.toString());
        assertEquals(0, apply.status(), apply.err());
        assertTrue(apply.out().contains("applied version 1"), apply.out());
        Run again = cli("schema", "apply", tenant, demo.toString());
        assertTrue(again.out().startsWith("unchanged: version 1"), again.out());

        Path smaller = dir.resolve("smaller.yaml");
        String src = Files.readString(demo);
        Files.writeString(smaller, src.substring(0, src.indexOf("  # Server-side audit trail")));
        Run refused = cli("schema", "apply", tenant, smaller.toString());
        assertEquals(CliCommand.FAILED, refused.status());
        assertTrue(refused.err().contains("DESTRUCTIVE_CHANGE") && refused.err().contains("drop table audit_log"), refused.err());
        Run forced = cli("schema", "apply", tenant, smaller.toString(), "--allow-destructive");
        assertEquals(0, forced.status(), forced.err());

        Run versions = cli("schema", "versions", tenant);
        assertEquals(0, versions.status());
        assertEquals(2, versions.out().lines().count(), versions.out());
        assertTrue(versions.out().startsWith("2\tsha256:"), versions.out());

        assertEquals(CliCommand.FAILED, cli("schema", "versions", "no_such_tenant_x").status());
        assertEquals(CliCommand.USAGE, cli("schema", "apply", tenant).status());
        assertEquals(CliCommand.USAGE, cli("schema", "frobnicate").status());
        assertEquals(CliCommand.USAGE, cli("schema", "validate", dir.resolve("missing.yaml").toString()).status());
    }
}

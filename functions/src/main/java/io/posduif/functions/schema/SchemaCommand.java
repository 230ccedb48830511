package io.posduif.functions.schema;

import io.posduif.functions.cli.CliCommand;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.schema.SchemaPlanner.PlanStep;
import io.posduif.functions.tenant.TenantId;
import io.posduif.functions.tenant.Tenants;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code functions schema validate|plan|apply|versions}: the operator's schema workflow. */
@Singleton
final class SchemaCommand implements CliCommand {

    private final SchemaApplier applier;
    private final SchemaVersions versions;
    private final Tenants tenants;

    SchemaCommand(SchemaApplier applier, SchemaVersions versions, Tenants tenants) {
        this.applier = applier;
        this.versions = versions;
        this.tenants = tenants;
    }

    @Override
    public String name() {
        return "schema";
    }

    @Override
    public String usage() {
        return """
                schema validate <file>                                check a schema file (errors as file:line: field: message)
                schema plan <tenant> <file>                           show what an apply would change (dry run)
                schema apply <tenant> <file> [--allow-destructive]   apply a schema file; no-op if unchanged
                schema versions <tenant>                              list applied versions (version, checksum, applied_at, applied_by)""";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("missing sub-command");
        }
        List<String> rest = args.subList(1, args.size());
        try {
            return switch (args.get(0)) {
                case "validate" -> validate(rest, out, err);
                case "plan" -> plan(rest, out, err);
                case "apply" -> apply(rest, out, err);
                case "versions" -> versions(rest, out, err);
                default -> throw new IllegalArgumentException("unknown sub-command: schema " + args.get(0));
            };
        } catch (SchemaInvalidException e) {
            e.errors().forEach(err::println);
            return FAILED;
        } catch (ApiException e) {
            err.println("error: " + e.code() + ": " + e.getMessage());
            Object steps = e.details().get("steps");
            if (steps instanceof List<?> l) {
                l.forEach(s -> err.println("  destructive: " + s));
            }
            return FAILED;
        }
    }

    private int validate(List<String> args, PrintStream out, PrintStream err) {
        if (args.size() != 1) {
            throw new IllegalArgumentException("schema validate takes one file");
        }
        SchemaDefinition def = read(args.get(0));
        out.println("valid " + def.checksum() + " (" + def.tables().size() + " tables)");
        return OK;
    }

    private int plan(List<String> args, PrintStream out, PrintStream err) {
        if (args.size() != 2) {
            throw new IllegalArgumentException("schema plan takes <tenant> <file>");
        }
        TenantId tenant = tenant(args.get(0));
        if (tenant == null) {
            err.println("no such tenant: " + args.get(0));
            return FAILED;
        }
        SchemaApplier.Result r = applier.plan(tenant, read(args.get(1)));
        print(r, out);
        return OK;
    }

    private int apply(List<String> args, PrintStream out, PrintStream err) {
        boolean allow = args.contains("--allow-destructive");
        List<String> pos = args.stream().filter(a -> !a.equals("--allow-destructive")).toList();
        if (pos.size() != 2 || pos.stream().anyMatch(a -> a.startsWith("--"))) {
            throw new IllegalArgumentException("schema apply takes <tenant> <file> [--allow-destructive]");
        }
        TenantId tenant = tenant(pos.get(0));
        if (tenant == null) {
            err.println("no such tenant: " + pos.get(0));
            return FAILED;
        }
        SchemaApplier.Result r = applier.apply(tenant, read(pos.get(1)), allow, "cli:" + System.getProperty("user.name", "operator"));
        if (r.applied()) {
            print(r, out);
            out.println("applied version " + r.version() + " " + r.checksum());
        } else {
            out.println("unchanged: version " + r.version() + " " + r.checksum());
        }
        return OK;
    }

    private int versions(List<String> args, PrintStream out, PrintStream err) {
        if (args.size() != 1) {
            throw new IllegalArgumentException("schema versions takes <tenant>");
        }
        TenantId tenant = tenant(args.get(0));
        if (tenant == null) {
            err.println("no such tenant: " + args.get(0));
            return FAILED;
        }
        for (SchemaVersions.VersionInfo v : versions.list(tenant)) {
            out.println(v.version() + "\t" + v.checksum() + "\t" + v.appliedAt() + "\t" + v.appliedBy());
        }
        return OK;
    }

    private static void print(SchemaApplier.Result r, PrintStream out) {
        if (!r.changed()) {
            out.println("no changes (version " + r.version() + ")");
            return;
        }
        out.println("plan for version " + r.version() + (r.destructive() ? " (DESTRUCTIVE: needs --allow-destructive)" : "") + ":");
        int n = 1;
        for (PlanStep s : r.steps()) {
            out.println(n++ + ". " + (s.destructive() ? "[destructive] " : "") + s.description());
            for (String sql : s.sql()) {
                sql.lines().forEach(l -> out.println("     " + l));
            }
        }
    }

    private TenantId tenant(String id) {
        if (!TenantId.isValid(id)) {
            throw new IllegalArgumentException("not a tenant id: " + id);
        }
        return tenants.find(id).isPresent() ? new TenantId(id) : null;
    }

    private static SchemaDefinition read(String file) {
        Path p = Path.of(file);
        String source;
        try {
            source = Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
        return SchemaParser.parse(p.getFileName().toString(), source);
    }
}

package io.posduif.functions.tenant;

import io.posduif.functions.cli.CliCommand;
import jakarta.inject.Singleton;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/** {@code functions tenant create|list|drop}: the operator's way to manage tenants without HTTP. */
@Singleton
final class TenantCommand implements CliCommand {

    private final Tenants tenants;

    TenantCommand(Tenants tenants) {
        this.tenants = tenants;
    }

    @Override
    public String name() {
        return "tenant";
    }

    @Override
    public String usage() {
        return """
                tenant create <id>                 create a tenant (no-op if it exists)
                tenant list                        list tenants (id, schema, role, created_at; tab-separated)
                tenant drop <id> --confirm <id>    drop a tenant and ALL its data""";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("missing sub-command");
        }
        String sub = args.get(0);
        List<String> rest = args.subList(1, args.size());
        return switch (sub) {
            case "create" -> create(rest, out);
            case "list" -> list(rest, out);
            case "drop" -> drop(rest, out, err);
            default -> throw new IllegalArgumentException("unknown sub-command: tenant " + sub);
        };
    }

    private int create(List<String> args, PrintStream out) {
        if (args.size() != 1) {
            throw new IllegalArgumentException("tenant create takes exactly one tenant id");
        }
        TenantId id = new TenantId(args.get(0));
        boolean created = tenants.create(id);
        out.println((created ? "created " : "exists ") + id.value());
        return OK;
    }

    private int list(List<String> args, PrintStream out) {
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("tenant list takes no arguments");
        }
        for (Tenants.TenantInfo t : tenants.list()) {
            out.println(t.id() + "\t" + t.schema() + "\t" + t.role() + "\t" + t.createdAt());
        }
        return OK;
    }

    private int drop(List<String> args, PrintStream out, PrintStream err) {
        if (args.size() != 3 || !"--confirm".equals(args.get(1))) {
            throw new IllegalArgumentException("tenant drop needs <id> --confirm <id>");
        }
        TenantId id = new TenantId(args.get(0));
        if (!id.value().equals(args.get(2))) {
            throw new IllegalArgumentException("--confirm must repeat the tenant id exactly");
        }
        Optional<Tenants.TenantInfo> existing = tenants.find(id.value());
        if (existing.isEmpty()) {
            err.println("no such tenant: " + id.value());
            return FAILED;
        }
        tenants.drop(id, args.get(2));
        out.println("dropped " + id.value());
        return OK;
    }
}

package io.posduif.functions.auth;

import io.posduif.functions.cli.CliCommand;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.tenant.TenantId;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Singleton;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code user create <tenant> <username> (--password <pw> | --password-env <VAR>) [--admin]}:
 * the bootstrap path for a tenant's first (admin) web user, before anyone can call the admin API.
 * {@code --password-env} keeps the password out of the process list and shell history.
 */
@Singleton
final class UserCommand implements CliCommand {

    private final WebUsers users;

    UserCommand(WebUsers users) {
        this.users = users;
    }

    @Override
    public String name() {
        return "user";
    }

    @Override
    public String usage() {
        return "user create <tenant> <username> (--password <pw> | --password-env <VAR>) [--admin]\n"
                + "                                   create a web user (role web, plus admin with --admin)";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || !"create".equals(args.get(0))) {
            throw new IllegalArgumentException("expected: user create ...");
        }
        List<String> positional = new ArrayList<>();
        String password = null;
        boolean admin = false;
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--admin" -> admin = true;
                case "--password" -> password = value(args, ++i, a);
                case "--password-env" -> {
                    String var = value(args, ++i, a);
                    password = System.getenv(var);
                    if (password == null) {
                        throw new IllegalArgumentException("environment variable " + var + " is not set");
                    }
                }
                default -> {
                    if (a.startsWith("--")) {
                        throw new IllegalArgumentException("unknown option " + a);
                    }
                    positional.add(a);
                }
            }
        }
        if (positional.size() != 2) {
            throw new IllegalArgumentException("expected <tenant> <username>");
        }
        if (password == null) {
            throw new IllegalArgumentException("a password is required (--password or --password-env)");
        }
        if (!TenantId.isValid(positional.get(0))) {
            throw new IllegalArgumentException("not a tenant id: " + positional.get(0));
        }
        try {
            WebUsers.WebUser u = users.create(new TenantId(positional.get(0)), positional.get(1), password, admin);
            out.println("created " + u.username() + " " + u.id() + " " + String.join(",", u.roles()));
            return OK;
        } catch (ApiException e) {
            if (e.code() == ErrorCode.VALIDATION_ERROR) {
                throw new IllegalArgumentException(e.getMessage());
            }
            err.println("error: " + e.code() + ": " + e.getMessage());
            return FAILED;
        }
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args.get(i);
    }
}

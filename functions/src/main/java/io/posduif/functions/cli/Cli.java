package io.posduif.functions.cli;

import io.micronaut.context.ApplicationContext;
import jakarta.inject.Singleton;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code functions} command line: {@code serve} (the default) starts the HTTP server; any
 * other first word names a {@link CliCommand} bean, which runs in an application context
 * without the HTTP server and whose status becomes the process exit status.
 */
@Singleton
public final class Cli {

    /** Environment active while a command runs; {@code application-cli.yml} tunes it. */
    public static final String ENVIRONMENT = "cli";

    private final List<CliCommand> commands;

    Cli(List<CliCommand> commands) {
        this.commands = commands.stream().sorted(Comparator.comparing(CliCommand::name)).toList();
    }

    /** True when the arguments ask for the server: none, {@code serve}, or only {@code --property=value} options. */
    public static boolean wantsServer(String[] args) {
        return args.length == 0 || "serve".equals(args[0]) || args[0].startsWith("-D") || args[0].startsWith("--") && args[0].contains("=");
    }

    /** The arguments Micronaut gets when serving (without the {@code serve} word). */
    public static String[] serverArgs(String[] args) {
        return args.length > 0 && "serve".equals(args[0]) ? Arrays.copyOfRange(args, 1, args.length) : args;
    }

    /**
     * Starts a context (no HTTP server), dispatches, closes the context.
     *
     * @param properties extra configuration (tests point it at their stack); may be empty
     */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, Object> properties) {
        try (ApplicationContext ctx = ApplicationContext.builder()
                .environments(ENVIRONMENT)
                .properties(properties)
                .start()) {
            return ctx.getBean(Cli.class).dispatch(List.of(args), out, err);
        } catch (RuntimeException e) {
            err.println("error: " + rootMessage(e));
            return CliCommand.FAILED;
        }
    }

    /** Runs the command named by {@code args[0]}. */
    public int dispatch(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || List.of("help", "-h", "--help").contains(args.get(0))) {
            help(args.isEmpty() ? err : out);
            return args.isEmpty() ? CliCommand.USAGE : CliCommand.OK;
        }
        Optional<CliCommand> command = commands.stream().filter(c -> c.name().equals(args.get(0))).findFirst();
        if (command.isEmpty()) {
            err.println("unknown command: " + args.get(0));
            help(err);
            return CliCommand.USAGE;
        }
        try {
            return command.get().run(args.subList(1, args.size()), out, err);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.println(command.get().usage());
            return CliCommand.USAGE;
        } catch (RuntimeException e) {
            err.println("error: " + rootMessage(e));
            return CliCommand.FAILED;
        }
    }

    private void help(PrintStream out) {
        out.println("usage: functions [serve]            start the HTTP server (default)");
        out.println("       functions <command> [args]   run a command and exit");
        out.println("       functions help               this text");
        out.println();
        out.println("commands:");
        for (CliCommand c : commands) {
            c.usage().lines().forEach(l -> out.println("  " + l));
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}

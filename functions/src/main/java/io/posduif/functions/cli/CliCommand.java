package io.posduif.functions.cli;

import java.io.PrintStream;
import java.util.List;

/**
 * One sub-command of the {@code functions} command line ({@code tenant}, {@code user},
 * {@code schema}, ...).
 *
 * <p>Commands are ordinary beans: each feature package contributes its own and {@link Cli}
 * discovers them from the application context, so the CLI uses exactly the same services
 * (and configuration) as the HTTP API, without starting the HTTP server.
 */
public interface CliCommand {

    /** Exit status for success. */
    int OK = 0;
    /** Exit status when the command ran and failed (e.g. the thing to drop does not exist). */
    int FAILED = 1;
    /** Exit status for wrong usage (unknown sub-command, missing or invalid argument). */
    int USAGE = 2;

    /** The first word on the command line, e.g. {@code "tenant"}. */
    String name();

    /** One or more lines describing the sub-commands, printed by {@code help}. */
    String usage();

    /**
     * Runs the command.
     *
     * @param args the arguments after {@link #name()}
     * @param out  results (machine-readable where possible)
     * @param err  diagnostics
     * @return the process exit status ({@link #OK}, {@link #FAILED}, {@link #USAGE})
     */
    int run(List<String> args, PrintStream out, PrintStream err);
}

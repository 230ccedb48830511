package io.posduif.functions;

import io.micronaut.runtime.Micronaut;
import io.posduif.functions.cli.Cli;

import java.util.Map;

/**
 * Local entry point: the same beans run behind Netty here and behind the Lambda handler in AWS.
 *
 * <p>{@code functions [serve]} starts the server; {@code functions <command> ...} runs a
 * {@link io.posduif.functions.cli.CliCommand} and exits with its status.
 */
public class Application {
    public static void main(String[] args) {
        if (Cli.wantsServer(args)) {
            Micronaut.run(Application.class, Cli.serverArgs(args));
            return;
        }
        // Before the first logger exists: command output owns stdout, logs go to stderr.
        System.setProperty("posduif.log.target", "System.err");
        System.exit(Cli.run(args, System.out, System.err, Map.of()));
    }
}

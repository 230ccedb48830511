package io.posduif.functions;

import io.micronaut.runtime.Micronaut;

/** Local entry point: the same beans run behind Netty here and behind the Lambda handler in AWS. */
public class Application {
    public static void main(String[] args) {
        Micronaut.run(Application.class, args);
    }
}

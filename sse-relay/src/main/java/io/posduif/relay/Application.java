package io.posduif.relay;

import io.micronaut.runtime.Micronaut;

/** Long-running SSE relay. */
public class Application {
    public static void main(String[] args) {
        Micronaut.run(Application.class, args);
    }
}

package io.posduif.relay;

import io.micronaut.runtime.Micronaut;

import java.util.Map;

/** Long-running SSE relay. */
public class Application {
    public static void main(String[] args) {
        Micronaut.build(args).mainClass(Application.class)
                .properties(Map.of("posduif.relay.enabled", "true"))
                .start();
    }
}

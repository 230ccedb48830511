package io.posduif.functions.support;

import io.micronaut.test.support.TestPropertyProvider;
import io.posduif.devstack.EmbeddedStack;
import org.junit.jupiter.api.TestInstance;

import java.util.HashMap;
import java.util.Map;

/**
 * Base for {@code @MicronautTest} classes: points the application at the per-JVM real
 * PostgreSQL and Redis. Tests isolate themselves by creating their own tenants.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class StackTest implements TestPropertyProvider {

    protected static EmbeddedStack stack() {
        return EmbeddedStack.shared();
    }

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> p = new HashMap<>(stack().micronautProperties());
        p.putAll(extraProperties());
        return p;
    }

    /** Override to add or change configuration for one test class. */
    protected Map<String, String> extraProperties() {
        return Map.of();
    }
}

/**
 * Relay beans exist only where {@code posduif.relay.enabled=true} (the relay's own configuration
 * and Application set it), so that a classpath holding both functions and the relay (e2e) does
 * not start relay threads inside functions.
 */
@Configuration
@Requires(property = "posduif.relay.enabled", value = "true")
package io.posduif.relay.outofband;

import io.micronaut.context.annotation.Configuration;
import io.micronaut.context.annotation.Requires;

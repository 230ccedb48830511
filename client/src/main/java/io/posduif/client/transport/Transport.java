package io.posduif.client.transport;

import java.io.IOException;

/**
 * The one seam between the SDK and the network.
 *
 * <p>It exists so the device simulator and the convergence fuzzer can put real network failure
 * (no connectivity, a request that reached the server but whose answer was lost) between a real
 * device and a real server: {@link HttpTransport} talks HTTP, {@link UnreliableTransport} wraps it.
 * Implementations throw {@link IOException} for anything that is not an HTTP answer.
 */
public interface Transport {
    HttpResult send(HttpCall call) throws IOException;
}

package io.posduif.client.transport;

import java.net.URI;
import java.util.Map;

/** One HTTP request; {@code body} is null for bodiless methods and is sent exactly as given. */
public record HttpCall(String method, URI uri, Map<String, String> headers, byte[] body) {
    public HttpCall {
        headers = Map.copyOf(headers);
    }
}

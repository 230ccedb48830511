package io.posduif.client.transport;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The real transport: {@link HttpClient} with connect and request timeouts. */
public final class HttpTransport implements Transport {
    private final HttpClient client;
    private final Duration requestTimeout;

    public HttpTransport() {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(), Duration.ofSeconds(60));
    }

    public HttpTransport(HttpClient client, Duration requestTimeout) {
        this.client = client;
        this.requestTimeout = requestTimeout;
    }

    public HttpClient client() {
        return client;
    }

    @Override
    public HttpResult send(HttpCall call) throws IOException {
        HttpRequest.BodyPublisher publisher = call.body() == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(call.body());
        HttpRequest.Builder builder = HttpRequest.newBuilder(call.uri())
                .timeout(requestTimeout)
                .method(call.method(), publisher);
        call.headers().forEach(builder::header);
        try {
            HttpResponse<byte[]> response = client.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new HttpResult(response.statusCode(), response.headers().map(), response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + call.uri());
        }
    }
}

package io.posduif.functions.support;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.exceptions.HttpClientResponseException;

import java.util.Map;

/**
 * A blocking JSON caller for tests that need the status, body and headers of error answers as
 * plainly as of successes (the Micronaut client throws on 4xx).
 */
public record Api(HttpClient client) {

    public record Resp(int status, Map<String, Object> body, HttpHeaders headers) {

        /** The wire error code, or null for a success body. */
        @SuppressWarnings("unchecked")
        public String code() {
            Object e = body == null ? null : body.get("error");
            return e instanceof Map<?, ?> m ? (String) ((Map<String, Object>) m).get("code") : null;
        }

        public String str(String field) {
            Object v = body.get(field);
            return v == null ? null : v.toString();
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public Resp call(MutableHttpRequest<?> request) {
        try {
            HttpResponse<Map> r = client.toBlocking().exchange(request, Map.class);
            return new Resp(r.code(), r.getBody().map(b -> (Map<String, Object>) b).orElse(Map.of()), r.getHeaders());
        } catch (HttpClientResponseException e) {
            Map<String, Object> body = e.getResponse().getBody(Map.class).map(b -> (Map<String, Object>) b).orElse(Map.of());
            return new Resp(e.code(), body, e.getResponse().getHeaders());
        }
    }

    public Resp get(String path, String bearer) {
        MutableHttpRequest<?> r = HttpRequest.GET(path);
        return call(bearer == null ? r : r.bearerAuth(bearer));
    }

    public Resp post(String path, Object body, String bearer) {
        MutableHttpRequest<?> r = HttpRequest.POST(path, body);
        return call(bearer == null ? r : r.bearerAuth(bearer));
    }
}

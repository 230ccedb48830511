package io.posduif.functions.support;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** An OIDC identity provider's JWKS endpoint for tests: {@code GET /certs} serves the key's public half. */
public final class FakeIdp {

    private FakeIdp() {
    }

    /** Started on a free local port; the caller stops it. */
    public static HttpServer serve(RSAKey key) {
        try {
            HttpServer idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
            idp.createContext("/certs", ex -> {
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(200, jwks.length);
                ex.getResponseBody().write(jwks);
                ex.close();
            });
            idp.start();
            return idp;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The JWKS URL of a server {@link #serve} started. */
    public static String jwksUrl(HttpServer idp) {
        return "http://127.0.0.1:" + idp.getAddress().getPort() + "/certs";
    }
}

package io.posduif.functions.ops;

import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.posduif.functions.http.ApiException;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The operator credential of the admin API: a static bearer token from {@code POSDUIF_ADMIN_TOKEN}
 * ({@code posduif.admin.token}).
 *
 * <p>It is deliberately not a JWT: the operator exists before any tenant (and so before any
 * user) does. When it is unset the admin API does not exist (404), so a deployment that never
 * configured it has no admin surface to attack.
 */
@Singleton
public final class OperatorToken {

    private static final Logger LOG = LoggerFactory.getLogger(OperatorToken.class);
    private static final String BEARER = "Bearer ";

    private final byte[] expectedDigest;

    OperatorToken(@Value("${posduif.admin.token:}") String token) {
        String t = token == null ? "" : token.strip();
        this.expectedDigest = t.isEmpty() ? null : sha256(t);
        if (!t.isEmpty() && t.length() < 16) {
            LOG.warn("posduif.admin.token is shorter than 16 characters; use a long random value");
        }
    }

    public boolean enabled() {
        return expectedDigest != null;
    }

    /**
     * Lets the request through only with the operator token.
     *
     * @throws ApiException 404 NOT_FOUND when the admin API is disabled, 401 UNAUTHORIZED otherwise
     */
    public void require(HttpRequest<?> request) {
        if (!enabled()) {
            throw new ApiException(ErrorCode.NOT_FOUND, "no such endpoint");
        }
        String header = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw new ApiException(ErrorCode.UNAUTHORIZED, "the operator token is required");
        }
        // Compare digests: equal length whatever the input, and MessageDigest.isEqual is constant-time.
        byte[] presented = sha256(header.substring(BEARER.length()).strip());
        if (!MessageDigest.isEqual(expectedDigest, presented)) {
            throw new ApiException(ErrorCode.UNAUTHORIZED, "the operator token is required");
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

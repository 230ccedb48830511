package io.posduif.functions.auth;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * PBKDF2-HMAC-SHA256 from the JDK (no extra dependency), stored as
 * {@code pbkdf2-sha256$<iterations>$<salt>$<hash>} so that raising the iteration count later
 * still verifies old hashes.
 */
@Singleton
final class PasswordHasher {

    static final int MIN_ITERATIONS = 210_000;
    private static final String PREFIX = "pbkdf2-sha256";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int iterations;
    /** Verified against when the user does not exist, so that unknown usernames cost the same time. */
    private final String dummyHash;

    PasswordHasher(@Value("${posduif.auth.password-iterations:210000}") int iterations) {
        this.iterations = Math.max(MIN_ITERATIONS, iterations);
        // a fixed salt: it hashes nothing secret, and init must not make random values (SnapStart)
        this.dummyHash = PREFIX + "$" + this.iterations + "$" + Base64.getEncoder().encodeToString(new byte[16]) + "$"
                + Base64.getEncoder().encodeToString(new byte[32]);
    }

    String hash(String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        byte[] dk = derive(password, salt, iterations);
        return PREFIX + "$" + iterations + "$" + Base64.getEncoder().encodeToString(salt) + "$" + Base64.getEncoder().encodeToString(dk);
    }

    /** Constant-time check; a null or foreign-format hash is verified against a dummy and fails. */
    boolean verify(String password, String stored) {
        String[] parts = stored == null ? null : stored.split("\\$");
        if (parts == null || parts.length != 4 || !PREFIX.equals(parts[0])) {
            verify(password, dummyHash);
            return false;
        }
        try {
            int n = Integer.parseInt(parts[1]);
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] expected = Base64.getDecoder().decode(parts[3]);
            return MessageDigest.isEqual(expected, derive(password, salt, n));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Burns the same time as a real verification. */
    void dummyVerify(String password) {
        verify(password, dummyHash);
    }

    private static byte[] derive(String password, byte[] salt, int iterations) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
            try {
                return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            } finally {
                spec.clearPassword();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}

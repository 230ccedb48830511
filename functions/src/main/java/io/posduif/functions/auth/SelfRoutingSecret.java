package io.posduif.functions.auth;

import io.posduif.functions.tenant.TenantId;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Bearer secrets that unauthenticated calls present (enrollment tokens, device secrets,
 * refresh tokens): {@code <tenant>.<256 random bits, base64url>}.
 *
 * <p>One deployment may host several tenants and these calls carry no signed token, so the
 * secret itself must say where to look. The tenant prefix is only a routing hint: the whole
 * string is hashed and looked up inside that tenant's schema, so a forged or swapped prefix
 * finds nothing. Only hashes are stored; with 256 bits of entropy a plain SHA-256 suffices and
 * keeps lookups indexable.
 */
public final class SelfRoutingSecret {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int RANDOM_BYTES = 32;
    private static final Pattern SHAPE = Pattern.compile("([a-z][a-z0-9_]{0,39})\\.([A-Za-z0-9_-]{43})");

    private SelfRoutingSecret() {
    }

    /** A parsed secret: the tenant it claims and the hash to look it up by. */
    public record Parsed(TenantId tenant, String hash) {
    }

    public static String generate(TenantId tenant) {
        byte[] b = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(b);
        return tenant.value() + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Empty when the string cannot be one of ours; callers answer as for an unknown secret. */
    public static Optional<Parsed> parse(String secret) {
        if (secret == null || secret.length() > 100) {
            return Optional.empty();
        }
        var m = SHAPE.matcher(secret);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new Parsed(new TenantId(m.group(1)), hash(secret)));
    }

    public static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Constant-time comparison of two hex hashes. */
    public static boolean sameHash(String a, String b) {
        if (a == null || b == null) {
            return false;
        }
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }
}

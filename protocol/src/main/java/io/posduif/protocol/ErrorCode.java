package io.posduif.protocol;

/**
 * Every error code Posduif puts on the wire, with the HTTP status it travels with.
 *
 * <p>This enum is the single list: servers answer {@code {"error":{"code":…}}} with one of
 * these names, the device SDK switches on them, and {@code docs/protocol.md} documents them.
 * A code's status never changes once released, because clients decide whether to retry
 * from it: 4xx means "your request is wrong, retrying it unchanged will not help", 5xx
 * means "try again later".
 *
 * <p>Per-operation push results reuse the same names ({@code OUT_OF_SCOPE}, …) inside a 200
 * response; their status is then the one the operation would have had on its own.
 */
public enum ErrorCode {
    // --- seed codes (002: "Error Codes") ---
    /** No credential, or one that is malformed, expired, or signed by someone else. */
    UNAUTHORIZED(401),
    /** A valid credential that may not do this (wrong role, wrong token type for the endpoint). */
    FORBIDDEN(403),
    /** The resource does not exist for this tenant (other tenants' resources do not exist either). */
    NOT_FOUND(404),
    /** The request is well-formed HTTP but its content breaks a rule; details name the field. */
    VALIDATION_ERROR(400),
    /** A message to a user who does not exist or is not a mobile user. */
    INVALID_RECIPIENT(400),
    /** A message without content. */
    EMPTY_MESSAGE(400),
    /** A sync operation failed on the server side. */
    SYNC_ERROR(500),
    /** The database failed; nothing was applied. */
    DATABASE_ERROR(503),
    /** Redis failed where it is needed (the relay); pushes never fail with this. */
    REDIS_ERROR(503),
    /** A bug. Never the answer to a client mistake. */
    INTERNAL_ERROR(500),

    // --- HTTP protocol level ---
    /** Body is not valid JSON or a field has the wrong JSON type. */
    MALFORMED_REQUEST(400),
    /** The path exists but not with this method. */
    METHOD_NOT_ALLOWED(405),
    /** The client's {@code Accept} excludes every representation the endpoint has. */
    NOT_ACCEPTABLE(406),
    /** The body's media type is not JSON. */
    UNSUPPORTED_MEDIA_TYPE(415),
    /** A {@code Content-Encoding} other than gzip or identity. */
    UNSUPPORTED_ENCODING(415),
    /** The body, or its inflated form, or its compression ratio, exceeds the configured limits. */
    PAYLOAD_TOO_LARGE(413),
    /** Truncated or corrupt gzip body. */
    INVALID_GZIP(400),
    /** Too many attempts from this client or tenant; see {@code Retry-After}. */
    RATE_LIMITED(429),
    /** The server is shutting down or a dependency it needs is down. */
    SERVICE_UNAVAILABLE(503),

    // --- identity ---
    /** Username/password (or ID token) did not match. Deliberately does not say which. */
    INVALID_CREDENTIALS(401),
    /** The token's {@code typ}/{@code aud} is for the other kind of principal. */
    WRONG_TOKEN_TYPE(401),
    /** {@code X-Device-ID} or a path device id differs from the token's device. */
    DEVICE_MISMATCH(401),
    /** The device was revoked (by a web user or by secret reuse). */
    DEVICE_REVOKED(401),
    /** The refresh token is unknown, expired or already used. */
    INVALID_REFRESH_TOKEN(401),
    /** Enrollment token does not exist (seed: 404). */
    ENROLLMENT_NOT_FOUND(404),
    /** Enrollment token expired (seed: 400). */
    ENROLLMENT_EXPIRED(400),
    /** Enrollment token already redeemed (seed: 400). */
    ENROLLMENT_USED(400),
    /** Enrollment token revoked by a web user. */
    ENROLLMENT_REVOKED(400),
    /** A device with this id already exists in the tenant. */
    DEVICE_ID_TAKEN(409),
    /** A username already exists in the tenant. */
    USERNAME_TAKEN(409),

    // --- tenants and schema ---
    /** The tenant does not exist (admin API). */
    TENANT_NOT_FOUND(404),
    /** Dropping a tenant without {@code confirm} equal to its id. */
    CONFIRMATION_REQUIRED(400),
    /** A schema definition that does not validate; details list every error with file, line and field. */
    SCHEMA_INVALID(422),
    /** The plan contains destructive steps and {@code allow_destructive} was not set. */
    DESTRUCTIVE_CHANGE(409),
    /** A table or column that is not declared, or not reachable from this API. */
    UNKNOWN_TABLE(404),
    /** A column the table does not declare. */
    UNKNOWN_COLUMN(400),
    /** A value that does not fit the column's type, or a bad filter/sort expression. */
    INVALID_VALUE(400),

    // --- sync: per-operation push results and pull ---
    /** The table is not mobile-synced (web-only or mobile-only). */
    TABLE_NOT_SYNCED(403),
    /** Devices may read this table but not write it. */
    TABLE_READ_ONLY(403),
    /** The column is owned by the server (e.g. message status, last_message_sent). */
    SERVER_OWNED_COLUMN(403),
    /** The row is outside the device's partial-sync scope, before or after the write. */
    OUT_OF_SCOPE(403),
    /** {@code pk} and the primary-key columns in {@code data} disagree, or pk is incomplete. */
    PK_MISMATCH(400),
    /** The same {@code op_id} was used before with a different payload. */
    OP_ID_REUSED(409),
    /** The cursor is older than the compaction horizon (or not ours): drop synced rows, pull from 0. */
    RESET_REQUIRED(409),
    /** The cursor could not be decoded. */
    INVALID_CURSOR(400),
    /** A manual conflict that is already resolved. */
    CONFLICT_RESOLVED(409),
    /**
     * Per push operation: the row would break a constraint of the table that the schema file
     * declared (a unique index, a check, …). Only the ops that wrote that row are rejected; the
     * row stays as it was and the rest of the batch applies.
     */
    CONSTRAINT_VIOLATION(409);

    private final int httpStatus;

    ErrorCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    /** The HTTP status this code is sent with when it is the answer to the whole request. */
    public int httpStatus() {
        return httpStatus;
    }

    /** True for codes that mean "the client's request is wrong": do not retry unchanged. */
    public boolean isClientError() {
        return httpStatus >= 400 && httpStatus < 500;
    }
}

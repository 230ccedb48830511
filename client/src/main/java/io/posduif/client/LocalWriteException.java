package io.posduif.client;

/**
 * A local write that the SDK refuses before touching SQLite (unknown table or column,
 * read-only table, incomplete primary key, missing row) or that SQLite refused (constraint).
 * Nothing was written and nothing entered the outbox.
 */
public final class LocalWriteException extends RuntimeException {
    private final String code;

    public LocalWriteException(String code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    public LocalWriteException(String code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}

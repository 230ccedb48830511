package io.posduif.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The server's verdict on one pushed operation, handed to the app when it is not simply
 * "applied": {@code rejected} (with a code such as {@code OUT_OF_SCOPE}) or {@code conflict}
 * (the server kept {@code serverRow}; for {@code manual} tables a web user will decide).
 */
public record OpResult(String opId, String table, JsonNode pk, String status, String code, String message,
                       JsonNode serverRow) {
}

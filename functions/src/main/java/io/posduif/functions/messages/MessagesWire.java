package io.posduif.functions.messages;

import io.micronaut.serde.annotation.Serdeable;
import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;

/**
 * The documented wire shapes of the messages API, for the OpenAPI document only:
 * {@link MessagesController} reads its body as bytes (gzip under caps, precise error codes) and
 * answers maps built from rows of the tenant's {@code messages} table ({@link Messages#message}).
 * These records say what those are; {@code MessagesBodiesMatchTheirDocumentedSchemaTest} checks
 * real answers against them.
 */
final class MessagesWire {

    private MessagesWire() {
    }

    @Serdeable
    @Schema(name = "NewMessage")
    record NewMessage(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, format = "uuid", description = "A mobile user's id, else 400 INVALID_RECIPIENT.") String recipientId,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, minLength = 1, maxLength = 10_000, description = "Not blank, else 400 EMPTY_MESSAGE.") String content) {
    }

    @Serdeable
    @Schema(name = "Message", description = "A row of the tenant's messages table. status moves pending_sync (written) → "
            + "synced (the recipient's device was served it) → read; devices write status too, so other values are possible.")
    record Message(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, format = "uuid") String id,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, format = "uuid") String senderId,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, format = "uuid") String recipientId,
            String content,
            String status,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, format = "date-time") String createdAt,
            @Schema(requiredMode = Schema.RequiredMode.NOT_REQUIRED, format = "date-time", description = "Present once synced.")
            String syncedAt,
            @Schema(requiredMode = Schema.RequiredMode.NOT_REQUIRED, format = "date-time", description = "Present once read.")
            String readAt) {
    }

    @Serdeable
    @Schema(name = "MessagePage", description = "The caller's sent and received messages, newest first.")
    record MessagePage(List<Message> messages, long total, int limit, int offset) {
    }

    @Serdeable
    @Schema(name = "UnreadCount")
    record UnreadCount(long unreadCount) {
    }

    @Serdeable
    @Schema(name = "MessageRead")
    record MessageRead(@Schema(requiredMode = Schema.RequiredMode.REQUIRED, format = "uuid") String id, String status, @Schema(requiredMode = Schema.RequiredMode.REQUIRED, format = "date-time") String readAt) {
    }
}

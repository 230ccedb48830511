package io.posduif.functions.messages;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.json.JsonMapper;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.posduif.functions.auth.Caller;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.PgText;
import io.posduif.functions.db.Sql;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.http.GzipBodies;
import io.posduif.functions.realtime.RealtimeEvent;
import io.posduif.functions.realtime.RealtimePublisher;
import io.posduif.protocol.ErrorCode;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;

import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** The seed's web messaging API (002, "Messages"): web users send to mobile users and read replies. */
@Controller("/api/messages")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class MessagesController {

    private static final Set<String> STATUSES = Set.of("pending_sync", "synced", "read");

    private final Db db;
    private final Messages messages;
    private final JsonMapper json;
    private final RealtimePublisher realtime;
    private final GzipBodies gzip;

    MessagesController(Db db, Messages messages, JsonMapper json, RealtimePublisher realtime, GzipBodies gzip) {
        this.gzip = gzip;
        this.db = db;
        this.messages = messages;
        this.json = json;
        this.realtime = realtime;
    }

    @Post(consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    @ApiResponse(responseCode = "200", description = "The stored message (pending_sync)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MessagesWire.Message.class)))
    Map<String, Object> send(Caller caller, @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = MessagesWire.NewMessage.class))) @Nullable @Body byte[] raw) {
        caller.requireWeb();
        byte[] body = gzip.decode(raw);
        messages.messagesTable(caller.tenant());
        Map<?, ?> req;
        try {
            req = body == null ? null : json.readValue(body, Map.class);
        } catch (IOException | RuntimeException e) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "body is not a JSON object");
        }
        if (req == null || !(req.get("recipient_id") instanceof String r)) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "recipient_id must be a string", Map.of("field", "recipient_id"));
        }
        if (req.get("content") != null && !(req.get("content") instanceof String)) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "content must be a string", Map.of("field", "content"));
        }
        String content = (String) req.get("content");
        if (content == null || content.isBlank()) {
            throw new ApiException(ErrorCode.EMPTY_MESSAGE, "a message needs content", Map.of("field", "content"));
        }
        if (content.length() > 10_000) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "content is limited to 10000 characters", Map.of("field", "content"));
        }
        if (PgText.unstorable(content)) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "content " + PgText.UNSTORABLE_REFUSED, Map.of("field", "content"));
        }
        UUID recipient;
        try {
            recipient = UUID.fromString(r);
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.INVALID_RECIPIENT, "recipient_id is not a user id", Map.of("field", "recipient_id"));
        }
        String s = caller.tenant().schema();
        UUID id = UUID.randomUUID();
        Map<String, Object> out = db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + Sql.q(s, "posduif_users") + " WHERE id = ? AND user_type = 'mobile'")) {
                ps.setObject(1, recipient);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new ApiException(ErrorCode.INVALID_RECIPIENT, "the recipient is not a mobile user", Map.of("field", "recipient_id"));
                    }
                }
            }
            RealtimePublisher.markPublished(c);
            Timestamp now = new Timestamp(System.currentTimeMillis());
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + Sql.q(s, Messages.MESSAGES)
                    + " (id, sender_id, recipient_id, content, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending_sync', ?, ?) RETURNING "
                    + Messages.COLUMNS)) {
                ps.setObject(1, id);
                ps.setObject(2, caller.userId());
                ps.setObject(3, recipient);
                ps.setString(4, content);
                ps.setTimestamp(5, now);
                ps.setTimestamp(6, now);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    Map<String, Object> m = Messages.message(rs);
                    messages.touchDirectory(c, caller.tenant(), now, caller.userId(), recipient);
                    return m;
                }
            }
        });
        realtime.publish(caller.tenant(), RealtimeEvent.syncRequired(
                List.of(Messages.MESSAGES + "|user_id=" + recipient, Messages.MESSAGES + "|user_id=" + caller.userId(), Messages.USERS + "|*"), null));
        return out;
    }

    @Get(produces = MediaType.APPLICATION_JSON)
    @ApiResponse(responseCode = "200", description = "A page of messages",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MessagesWire.MessagePage.class)))
    Map<String, Object> list(Caller caller, @Nullable @QueryValue("recipient_id") String recipientId,
                             @Nullable @QueryValue String status, @Nullable @QueryValue String limit, @Nullable @QueryValue String offset) {
        caller.requireWeb();
        messages.messagesTable(caller.tenant());
        int lim = intParam(limit, 50, 1, 1000, "limit");
        int off = intParam(offset, 0, 0, Integer.MAX_VALUE, "offset");
        UUID recipient = null;
        if (recipientId != null) {
            try {
                recipient = UUID.fromString(recipientId);
            } catch (IllegalArgumentException e) {
                throw new ApiException(ErrorCode.VALIDATION_ERROR, "recipient_id is not a user id", Map.of("field", "recipient_id"));
            }
        }
        if (status != null && !STATUSES.contains(status)) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "status must be one of " + STATUSES, Map.of("field", "status"));
        }
        String where = " WHERE (sender_id = ? OR recipient_id = ?)" + (recipient == null ? "" : " AND recipient_id = ?")
                + (status == null ? "" : " AND status = ?");
        String table = Sql.q(caller.tenant().schema(), Messages.MESSAGES);
        UUID rec = recipient;
        return db.withConnection(c -> {
            Map<String, Object> out = new LinkedHashMap<>();
            List<Map<String, Object>> list = new ArrayList<>();
            long total;
            try (PreparedStatement ps = c.prepareStatement("SELECT " + Messages.COLUMNS + ", count(*) OVER () FROM " + table + where
                    + " ORDER BY created_at DESC, id LIMIT ? OFFSET ?")) {
                int i = bind(ps, caller.userId(), rec, status);
                ps.setInt(i++, lim);
                ps.setInt(i, off);
                try (ResultSet rs = ps.executeQuery()) {
                    total = 0;
                    while (rs.next()) {
                        list.add(Messages.message(rs));
                        total = rs.getLong(9);
                    }
                }
            }
            if (list.isEmpty() && off > 0) {
                try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + table + where)) {
                    bind(ps, caller.userId(), rec, status);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        total = rs.getLong(1);
                    }
                }
            }
            out.put("messages", list);
            out.put("total", total);
            out.put("limit", lim);
            out.put("offset", off);
            return out;
        });
    }

    @Get(value = "/unread-count", produces = MediaType.APPLICATION_JSON)
    @ApiResponse(responseCode = "200", description = "Messages to the caller not yet read",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MessagesWire.UnreadCount.class)))
    Map<String, Object> unread(Caller caller) {
        caller.requireWeb();
        messages.messagesTable(caller.tenant());
        return db.withConnection(c -> Map.of("unread_count", messages.unreadCount(c, caller.tenant(), caller.userId())));
    }

    @Get(value = "/{id}", produces = MediaType.APPLICATION_JSON)
    @ApiResponse(responseCode = "200", description = "The message",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MessagesWire.Message.class)))
    Map<String, Object> get(Caller caller, @PathVariable String id) {
        caller.requireWeb();
        messages.messagesTable(caller.tenant());
        UUID mid = messageId(id);
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + Messages.COLUMNS + " FROM "
                    + Sql.q(caller.tenant().schema(), Messages.MESSAGES) + " WHERE id = ? AND (sender_id = ? OR recipient_id = ?)")) {
                ps.setObject(1, mid);
                ps.setObject(2, caller.userId());
                ps.setObject(3, caller.userId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new ApiException(ErrorCode.NOT_FOUND, "no such message");
                    }
                    return Messages.message(rs);
                }
            }
        });
    }

    @Put(value = "/{id}/read", produces = MediaType.APPLICATION_JSON)
    @ApiResponse(responseCode = "200", description = "The message, now read",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MessagesWire.MessageRead.class)))
    Map<String, Object> read(Caller caller, @PathVariable String id) {
        caller.requireWeb();
        messages.messagesTable(caller.tenant());
        UUID mid = messageId(id);
        UUID[] sender = new UUID[1];
        Map<String, Object> out = db.inTransaction(c -> {
            RealtimePublisher.markPublished(c);
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + Sql.q(caller.tenant().schema(), Messages.MESSAGES)
                    + " SET status = 'read', read_at = coalesce(read_at, now()), updated_at = now() WHERE id = ? AND recipient_id = ? "
                    + "RETURNING id, status, read_at, sender_id")) {
                ps.setObject(1, mid);
                ps.setObject(2, caller.userId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        // someone else's message does not exist for this caller
                        throw new ApiException(ErrorCode.NOT_FOUND, "no such message addressed to you");
                    }
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", rs.getString(1));
                    m.put("status", rs.getString(2));
                    m.put("read_at", Messages.ts(rs.getTimestamp(3)));
                    sender[0] = (UUID) rs.getObject(4);
                    return m;
                }
            }
        });
        realtime.publish(caller.tenant(), RealtimeEvent.messageRead(sender[0], mid));
        realtime.publish(caller.tenant(), RealtimeEvent.syncRequired(
                List.of(Messages.MESSAGES + "|user_id=" + sender[0], Messages.MESSAGES + "|user_id=" + caller.userId()), null));
        return out;
    }

    private static int bind(PreparedStatement ps, UUID me, UUID recipient, String status) throws java.sql.SQLException {
        int i = 1;
        ps.setObject(i++, me);
        ps.setObject(i++, me);
        if (recipient != null) {
            ps.setObject(i++, recipient);
        }
        if (status != null) {
            ps.setString(i++, status);
        }
        return i;
    }

    private static UUID messageId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.NOT_FOUND, "no such message");
        }
    }

    private static int intParam(String v, int def, int min, int max, String field) {
        if (v == null) {
            return def;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw new ApiException(ErrorCode.VALIDATION_ERROR, field + " must be between " + min + " and " + max, Map.of("field", field));
    }
}

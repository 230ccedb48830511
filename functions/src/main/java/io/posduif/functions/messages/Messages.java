package io.posduif.functions.messages;

import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.runtime.event.annotation.EventListener;
import io.posduif.functions.auth.Caller;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.realtime.RealtimeEvent;
import io.posduif.functions.realtime.RealtimePublisher;
import io.posduif.functions.schema.ColumnType;
import io.posduif.functions.schema.TableDef;
import io.posduif.functions.schema.TenantSchema;
import io.posduif.functions.sync.ChangesPulled;
import io.posduif.functions.sync.ChangesPushed;
import io.posduif.functions.sync.PullRequested;
import io.posduif.functions.sync.TenantSchemas;
import io.posduif.functions.tenant.TenantId;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The seeds' messaging model on top of sync (demo schema: {@code messages}, {@code users}).
 *
 * <p>Messages are ordinary rows of the mobile-synced {@code messages} table: the web API writes
 * them, capture puts them in the change log, the recipient's device pulls them, and replies come
 * back by push. Status moves {@code pending_sync} → {@code synced} (the recipient's device was
 * served it) → {@code read}. The {@code users} table is the directory devices see, filled from
 * the engine's users; {@code last_message_sent} only ever moves forward (last write wins by
 * time), whichever side sent.
 */
@Singleton
public class Messages {

    private static final Logger LOG = LoggerFactory.getLogger(Messages.class);

    static final String MESSAGES = "messages";
    static final String USERS = "users";

    private final Db db;
    private final TenantSchemas schemas;
    private final RealtimePublisher realtime;

    Messages(Db db, TenantSchemas schemas, RealtimePublisher realtime) {
        this.db = db;
        this.schemas = schemas;
        this.realtime = realtime;
    }

    /** The messages table, or 404 when the tenant's schema has none. */
    TableDef messagesTable(TenantId tenant) {
        return schemas.current(tenant).table(MESSAGES)
                .orElseThrow(() -> new ApiException(ErrorCode.UNKNOWN_TABLE, "this tenant's schema has no messages table"));
    }

    static final String COLUMNS = "id, sender_id, recipient_id, content, status, created_at, synced_at, read_at";

    static Map<String, Object> message(ResultSet rs) throws SQLException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", rs.getString(1));
        m.put("sender_id", rs.getString(2));
        m.put("recipient_id", rs.getString(3));
        m.put("content", rs.getString(4));
        m.put("status", rs.getString(5));
        m.put("created_at", ts(rs.getTimestamp(6)));
        if (rs.getTimestamp(7) != null) {
            m.put("synced_at", ts(rs.getTimestamp(7)));
        }
        if (rs.getTimestamp(8) != null) {
            m.put("read_at", ts(rs.getTimestamp(8)));
        }
        return m;
    }

    static String ts(Timestamp t) {
        return t == null ? null : ColumnType.WIRE_TIMESTAMP.format(t.toInstant());
    }

    /** Moves the sender's and recipient's {@code last_message_sent} forward (never back). */
    void touchDirectory(Connection c, TenantId tenant, Timestamp at, UUID... users) throws SQLException {
        if (schemas.current(tenant).table(USERS).isEmpty()) {
            return;
        }
        refreshDirectory(c, tenant);
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + Sql.q(tenant.schema(), USERS)
                + " SET last_message_sent = ? WHERE id = ANY (?) AND (last_message_sent IS NULL OR last_message_sent < ?)")) {
            ps.setTimestamp(1, at);
            ps.setArray(2, c.createArrayOf("uuid", users));
            ps.setTimestamp(3, at);
            ps.executeUpdate();
        }
    }

    /** Mirrors the engine's users into the directory table; unchanged rows are not rewritten (no capture). */
    void refreshDirectory(Connection c, TenantId tenant) throws SQLException {
        String s = tenant.schema();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + Sql.q(s, USERS) + " AS d (id, username, user_type) "
                + "SELECT id, username, user_type FROM " + Sql.q(s, "posduif_users")
                + " ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, user_type = EXCLUDED.user_type "
                + "WHERE d.username IS DISTINCT FROM EXCLUDED.username OR d.user_type IS DISTINCT FROM EXCLUDED.user_type")) {
            ps.executeUpdate();
        }
    }

    long unreadCount(Connection c, TenantId tenant, UUID user) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + Sql.q(tenant.schema(), MESSAGES)
                + " WHERE recipient_id = ? AND status <> 'read'")) {
            ps.setObject(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @EventListener
    void onPullRequested(PullRequested e) {
        TenantId tenant = e.device().tenant();
        if (schemas.current(tenant).table(USERS).isPresent()) {
            db.withConnection(c -> {
                refreshDirectory(c, tenant);
                return null;
            });
        }
    }

    /** The recipient's device was served these messages: pending_sync → synced. */
    @EventListener
    void onPulled(ChangesPulled e) {
        List<String> pks = e.upsertedPks().get(MESSAGES);
        TenantId tenant = e.device().tenant();
        if (pks == null || schemas.current(tenant).table(MESSAGES).isEmpty()) {
            return;
        }
        List<UUID> ids = new ArrayList<>();
        for (String pk : pks) {
            // {"id": "<uuid>"}
            int q = pk.lastIndexOf('"', pk.length() - 2);
            int p = pk.lastIndexOf('"', q - 1);
            try {
                ids.add(UUID.fromString(pk.substring(p + 1, q)));
            } catch (RuntimeException ignored) {
                // not a uuid key: not the seed's messages table
            }
        }
        if (ids.isEmpty()) {
            return;
        }
        Set<String> buckets = new LinkedHashSet<>();
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + Sql.q(tenant.schema(), MESSAGES)
                    + " SET status = 'synced', synced_at = now(), updated_at = now() WHERE id = ANY (?) AND recipient_id = ? "
                    + "AND status = 'pending_sync' RETURNING sender_id, recipient_id")) {
                ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
                ps.setObject(2, e.device().userId());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        buckets.add(MESSAGES + "|user_id=" + rs.getString(1));
                        buckets.add(MESSAGES + "|user_id=" + rs.getString(2));
                    }
                }
            }
            RealtimePublisher.markPublished(c);
            return null;
        });
        if (!buckets.isEmpty()) {
            realtime.publish(tenant, RealtimeEvent.syncRequired(buckets, null));
        }
    }

    /** A device wrote messages: a new reply notifies its recipient, a read receipt its sender. */
    @EventListener
    void onPushed(ChangesPushed e) {
        List<Map<String, Object>> rows = e.upserted().get(MESSAGES);
        TenantId tenant = e.device().tenant();
        if (rows == null) {
            return;
        }
        TenantSchema schema = schemas.current(tenant);
        if (schema.table(MESSAGES).isEmpty()) {
            return;
        }
        List<RealtimeEvent> events = new ArrayList<>();
        db.inTransaction(c -> {
            RealtimePublisher.markPublished(c);
            for (Map<String, Object> row : rows) {
                UUID id = UUID.fromString(String.valueOf(row.get("id")));
                UUID sender = UUID.fromString(String.valueOf(row.get("sender_id")));
                UUID recipient = UUID.fromString(String.valueOf(row.get("recipient_id")));
                Object status = row.get("status");
                if ("read".equals(status) && e.device().userId().equals(recipient)) {
                    events.add(RealtimeEvent.messageRead(sender, id));
                } else if (e.device().userId().equals(sender) && (status == null || "pending_sync".equals(status))) {
                    touchDirectory(c, tenant, new Timestamp(System.currentTimeMillis()), sender, recipient);
                    events.add(RealtimeEvent.newMessage(recipient, id, unreadCount(c, tenant, recipient)));
                }
            }
            return null;
        });
        try {
            realtime.publishAll(tenant, events);
        } catch (RuntimeException ex) {
            LOG.warn("message events not published: {}", ex.toString());
        }
    }
}

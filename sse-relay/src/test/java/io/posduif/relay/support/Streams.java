package io.posduif.relay.support;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.posduif.devstack.EmbeddedStack;
import io.posduif.protocol.RealtimeStream;

import java.util.LinkedHashMap;
import java.util.Map;

/** Appends entries to tenant streams exactly as functions' RealtimePublisher lays them out. */
public final class Streams implements AutoCloseable {

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> conn;

    public Streams(String redisUrl) {
        client = RedisClient.create(redisUrl);
        conn = client.connect();
    }

    public static Streams shared() {
        return new Streams(EmbeddedStack.shared().redisUrl());
    }

    public String add(String tenant, String type, String bucketsJson, String usersJson, String devicesJson, String data) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put(RealtimeStream.FIELD_TYPE, type);
        if (bucketsJson != null) {
            f.put(RealtimeStream.FIELD_BUCKETS, bucketsJson);
        }
        if (usersJson != null) {
            f.put(RealtimeStream.FIELD_USERS, usersJson);
        }
        if (devicesJson != null) {
            f.put(RealtimeStream.FIELD_DEVICES, devicesJson);
        }
        f.put(RealtimeStream.FIELD_DATA, data);
        return conn.sync().xadd(RealtimeStream.key(tenant), f);
    }

    public StatefulRedisConnection<String, String> connection() {
        return conn;
    }

    @Override
    public void close() {
        conn.close();
        client.shutdown();
    }
}

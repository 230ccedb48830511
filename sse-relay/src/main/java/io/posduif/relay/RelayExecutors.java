package io.posduif.relay;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The relay's few threads: a small pool for blocking work (PostgreSQL lookups, replays) so the
 * event loops never block, and one scheduler for every periodic job (heartbeats of all streams,
 * presence refresh, trimming). No thread per connection.
 */
@Singleton
public class RelayExecutors {

    private final ExecutorService io = Executors.newFixedThreadPool(4, named("posduif-relay-io"));
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(named("posduif-relay-tick"));

    public ExecutorService io() {
        return io;
    }

    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    public static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @PreDestroy
    void close() {
        scheduler.shutdownNow();
        io.shutdownNow();
    }
}

package io.posduif.devstack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Test JVMs that were killed leave their database directory behind (a day of runs filled a disk
 * with 72 GB of them). The next test stack removes those whose server is gone, and only those:
 * one whose PostgreSQL still runs, or that a JVM has only just created, stays.
 */
class AbandonedTestStacksAreRemovedTest {

    @Test
    void directoriesOfStoppedServersGoAndLiveOrFreshOnesStay(@TempDir Path tmp) throws Exception {
        Path deadServer = stack(tmp, "dead", Long.toString(deadPid()));
        Path noServerOld = stack(tmp, "old", null);
        Files.setLastModifiedTime(noServerOld, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        Path liveServer = stack(tmp, "live", Long.toString(ProcessHandle.current().pid()));
        Path justCreated = stack(tmp, "new", null);
        Path notOurs = Files.createDirectories(tmp.resolve("something-else"));

        EmbeddedStack.removeAbandoned(tmp);

        assertFalse(Files.exists(deadServer), "server process gone");
        assertFalse(Files.exists(noServerOld), "no server, an hour old");
        assertTrue(Files.exists(liveServer), "server still running");
        assertTrue(Files.exists(justCreated), "a JVM may be starting its server in it");
        assertTrue(Files.exists(notOurs));
    }

    private static Path stack(Path tmp, String name, String pid) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(EmbeddedStack.TEST_DIR_PREFIX + name));
        Path pg = Files.createDirectories(dir.resolve("postgres"));
        Files.writeString(pg.resolve("PG_VERSION"), "17\n");
        if (pid != null) {
            Files.writeString(pg.resolve("postmaster.pid"), pid + "\n" + pg + "\n");
        }
        return dir;
    }

    /** A pid that no process has: one of a process that has exited. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }
}

package io.posduif.relay.bench;

import io.posduif.relay.support.TestTokens;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load-generator process: opens {@code count} device streams ({@code <prefix><i>} for i in
 * [from, from+count)) and reports on stdout: {@code OPEN n failed}, then for every
 * {@code schema_changed} wave {@code FANOUT <received> <latestArrivalEpochMicros>}. Reads
 * {@code quit} on stdin.
 */
public final class LoadGeneratorMain {

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String tenant = args[2];
        UUID user = UUID.fromString(args[3]);
        String prefix = args[4];
        int from = Integer.parseInt(args[5]);
        int count = Integer.parseInt(args[6]);
        List<String> paths = new ArrayList<>(count);
        List<String> tokens = new ArrayList<>(count);
        for (int i = from; i < from + count; i++) {
            paths.add("/sse/mobile/" + prefix + i);
            tokens.add(TestTokens.device(tenant, user, prefix + i));
        }
        AtomicLong latest = new AtomicLong();
        ConcurrentHashMap<Integer, Boolean> got = new ConcurrentHashMap<>();
        SseLoad load = new SseLoad((conn, name, line, nanos, micros) -> {
            if (name.equals("schema_changed")) {
                got.put(conn, Boolean.TRUE);
                latest.accumulateAndGet(micros, Math::max);
            }
        });
        load.open(host, port, paths, tokens, 200);
        System.out.println("OPEN " + load.open.get() + " " + load.failed.get());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String cmd; (cmd = in.readLine()) != null; ) {
            if (cmd.equals("report")) {
                System.out.println("FANOUT " + got.size() + " " + latest.get() + " open=" + (load.open.get() - load.closed.get()));
                System.out.flush();
                got.clear();
                latest.set(0);
            } else if (cmd.equals("quit")) {
                break;
            }
        }
        load.close();
        System.exit(0);
    }
}

package io.posduif.client.sim;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Arrays;

/** Exact percentiles over recorded values; simulations record thousands, not billions. */
final class Histogram {
    private long[] values = new long[1024];
    private int size;

    synchronized void record(long v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = v;
    }

    synchronized int count() {
        return size;
    }

    synchronized ObjectNode summary() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("count", size);
        if (size == 0) {
            return n;
        }
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        n.put("p50", sorted[(int) Math.floor(0.50 * (size - 1))]);
        n.put("p95", sorted[(int) Math.floor(0.95 * (size - 1))]);
        n.put("p99", sorted[(int) Math.floor(0.99 * (size - 1))]);
        n.put("max", sorted[size - 1]);
        n.put("mean", Arrays.stream(sorted).average().orElse(0));
        return n;
    }
}

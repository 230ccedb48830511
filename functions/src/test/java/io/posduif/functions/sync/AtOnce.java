package io.posduif.functions.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/** Concurrent deliveries for race tests: all released at the same instant, so that they meet inside the server. */
final class AtOnce {

    private AtOnce() {
    }

    /** Runs {@code parallel} deliveries ({@code delivery} gets 0..parallel-1); their answers in that order. */
    static <T> List<T> run(int parallel, IntFunction<T> delivery) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> answers = new ArrayList<>();
            for (int p = 0; p < parallel; p++) {
                int n = p;
                answers.add(pool.submit(() -> {
                    start.await();
                    return delivery.apply(n);
                }));
            }
            start.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : answers) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdown();
        }
    }
}

package io.posduif.client.transport;

import java.io.IOException;
import java.net.ConnectException;
import java.util.Random;
import java.util.function.Predicate;

/**
 * Puts the failures of a mobile network in front of a real transport.
 *
 * <p>Offline: nothing reaches the server. Lost acknowledgement: the request <em>is</em> sent and
 * processed by the server, but the device sees an I/O error, so it must retry and rely on the
 * server's idempotency. Lost acknowledgements are limited to calls matching {@code loseAckOn}
 * (by default pushes), because losing the answer of a secret rotation is indistinguishable from
 * secret theft by design and would revoke the device.
 */
public final class UnreliableTransport implements Transport {
    private final Transport delegate;
    private final Random random;
    private final Predicate<HttpCall> loseAckOn;
    private volatile boolean offline;
    private volatile double loseAckProbability;
    private volatile double dropProbability;
    private long lostAcks;
    private long dropped;

    public UnreliableTransport(Transport delegate, long seed) {
        this(delegate, new Random(seed), call -> call.uri().getPath().endsWith("/api/sync/push"));
    }

    public UnreliableTransport(Transport delegate, Random random, Predicate<HttpCall> loseAckOn) {
        this.delegate = delegate;
        this.random = random;
        this.loseAckOn = loseAckOn;
    }

    public void setOffline(boolean offline) {
        this.offline = offline;
    }

    public boolean isOffline() {
        return offline;
    }

    /** Probability that a matching call is processed by the server but its answer is lost. */
    public void setLoseAckProbability(double p) {
        this.loseAckProbability = p;
    }

    /** Probability that any call fails before it reaches the server. */
    public void setDropProbability(double p) {
        this.dropProbability = p;
    }

    public synchronized long lostAcks() {
        return lostAcks;
    }

    public synchronized long dropped() {
        return dropped;
    }

    @Override
    public HttpResult send(HttpCall call) throws IOException {
        if (offline) {
            throw new ConnectException("simulated: device offline");
        }
        boolean drop;
        boolean loseAck;
        synchronized (this) {
            drop = dropProbability > 0 && random.nextDouble() < dropProbability;
            loseAck = !drop && loseAckProbability > 0 && loseAckOn.test(call) && random.nextDouble() < loseAckProbability;
            if (drop) {
                dropped++;
            }
        }
        if (drop) {
            throw new ConnectException("simulated: request lost before reaching " + call.uri().getPath());
        }
        HttpResult result = delegate.send(call);
        if (loseAck) {
            synchronized (this) {
                lostAcks++;
            }
            throw new IOException("simulated: answer lost for " + call.uri().getPath() + " (status " + result.status() + ")");
        }
        return result;
    }
}

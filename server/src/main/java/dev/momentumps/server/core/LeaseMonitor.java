package dev.momentumps.server.core;

import dev.momentumps.wire.ServerStatus;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Expires the leases of silent workers: every quarter lease it marks gone each live worker the server has
 * not heard from (a call, or a wait inside a call) for a whole lease, so a crashed or hung worker stops
 * holding back synchronous rounds and the staleness bound. A worker that comes back registers again and
 * gets its id back ({@link ParameterServerCore#register}).
 */
public final class LeaseMonitor implements AutoCloseable {
    private final ParameterServerCore core;
    private final long leaseMillis;
    private final Consumer<String> log;
    private final Thread thread;
    private volatile boolean closed;

    public LeaseMonitor(ParameterServerCore core, long leaseMillis, Consumer<String> log) {
        if (leaseMillis < 1) {
            throw new IllegalArgumentException("lease must be >= 1 ms, got " + leaseMillis);
        }
        this.core = core;
        this.leaseMillis = leaseMillis;
        this.log = log;
        this.thread = new Thread(this::loop, "mps-leases");
        this.thread.setDaemon(true);
    }

    public LeaseMonitor start() {
        thread.start();
        return this;
    }

    private void loop() {
        long period = Math.max(1, leaseMillis / 4);
        while (!closed) {
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
            int[] gone = core.expireLeases(TimeUnit.MILLISECONDS.toNanos(leaseMillis));
            if (gone.length > 0) {
                java.util.List<ServerStatus.Worker> workers = core.status().workers();
                for (int id : gone) {
                    log.accept("worker " + id + " (rank " + workers.get(id).rank() + ") sent nothing for "
                            + leaseMillis + " ms: marked dead; rounds go on without it until it registers again");
                }
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        thread.interrupt();
        thread.join(5_000);
    }
}

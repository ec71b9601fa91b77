package dev.momentumps.cli.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.momentumps.study.report.Divergence;
import dev.momentumps.study.report.Evaluation;
import dev.momentumps.study.report.RunSummary;
import dev.momentumps.wire.ServerStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the dashboard shows of a run, fed as the run goes: the server's status (polled), the evaluations,
 * events (a dead worker, divergence) and at the end the summary. {@link #snapshot} is the JSON the page
 * draws; series keep at most {@value #MAX_POINTS} points (every other point is dropped when full, so a long
 * run keeps its whole span at a coarser step). Thread-safe.
 */
public final class LiveRun {
    static final int MAX_POINTS = 2_000;
    private static final double POINT_SECONDS = 0.25;
    private static final int MAX_EVENTS = 200;

    private String task = "";
    private Map<String, Object> config = Map.of();
    private long expectedPushes;
    private final Series progress = new Series("seconds", "version", "updates_per_second", "staleness_mean",
            "staleness_max", "minibatch_loss", "implicit_momentum");
    private final Series evaluations = new Series("version", "seconds", "train_loss", "test_loss", "test_accuracy");
    private final Map<Integer, WorkerView> workers = new LinkedHashMap<>();
    private final List<Map<String, Object>> events = new ArrayList<>();
    private ServerStatus last;
    private double lastSeconds;
    private double pointSeconds = -1;
    private long pointVersion;
    private long[] pointHistogram = new long[0];
    private Long divergedAt;
    private String divergence;
    private RunSummary summary;

    /** What the run is: shown in the page's header and configuration table. */
    public synchronized void configure(String taskDescription, Map<String, Object> configuration, long pushes) {
        this.task = taskDescription;
        this.config = new LinkedHashMap<>(configuration);
        this.expectedPushes = pushes;
    }

    /** The server's counters {@code seconds} into the run. */
    public synchronized void status(ServerStatus s, double seconds) {
        for (ServerStatus.Worker w : s.workers()) {
            WorkerView v = workers.computeIfAbsent(w.id(), id -> new WorkerView(seconds));
            if (v.alive && !w.alive()) {
                event(seconds, "worker " + w.id() + " (rank " + w.rank() + ") is gone: deregistered or its lease "
                        + "expired, at update " + s.version());
            } else if (!v.alive && w.alive()) {
                event(seconds, "worker " + w.id() + " (rank " + w.rank() + ") is back at update " + s.version());
            }
            v.update(w, seconds);
        }
        last = s;
        lastSeconds = seconds;
        if (pointSeconds >= 0 && seconds - pointSeconds < POINT_SECONDS) {
            return;
        }
        long[] h = s.staleness().histogram();
        long count = 0;
        long sum = 0;
        long max = -1;
        for (int k = 0; k < h.length; k++) {
            long d = h[k] - (k < pointHistogram.length ? pointHistogram[k] : 0);
            if (d > 0) {
                count += d;
                sum += k * d;
                max = k;
            }
        }
        double rate = pointSeconds < 0 ? Double.NaN : (s.version() - pointVersion) / (seconds - pointSeconds);
        double mean = count == 0 ? Double.NaN : (double) sum / count;
        progress.add(seconds, s.version(), rate, mean, max < 0 ? Double.NaN : max, s.recentLoss(),
                implicitMomentum(mean));
        pointSeconds = seconds;
        pointVersion = s.version();
        pointHistogram = h;
    }

    /**
     * The momentum that asynchrony adds, estimated from the mean staleness E[τ] of the gradients applied:
     * Mitliagkas, Zhang, Hadjis and Ré, "Asynchrony begets momentum, with an application to deep learning"
     * (2016), model staleness as geometric, P(τ = k) = (1 − μ) μ^k, under which asynchronous SGD behaves in
     * expectation like momentum SGD with momentum μ = E[τ] / (1 + E[τ]) (1 − 1/M for M workers, E[τ] = M − 1).
     * NaN when no gradient was applied; 0 when every gradient was fresh (synchronous modes).
     */
    static double implicitMomentum(double meanStaleness) {
        return meanStaleness / (1 + meanStaleness);
    }

    public synchronized void evaluation(Evaluation e) {
        evaluations.add(e.version(), e.seconds(), e.trainLoss(), e.testLoss(), e.testAccuracy());
    }

    /** A line for the page's event log (a worker process died, the server restarted). */
    public synchronized void event(String line) {
        event(lastSeconds, line);
    }

    public synchronized void divergence(Divergence d) {
        divergedAt = d.atUpdate();
        divergence = d.reason();
        event(lastSeconds, "DIVERGED at update " + d.atUpdate() + ": " + d.reason());
    }

    public synchronized void finished(RunSummary s) {
        summary = s;
    }

    /** The page's data: plain maps and lists, non-finite numbers as null (JSON has no NaN). */
    public synchronized Map<String, Object> snapshot() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task);
        m.put("state", summary != null ? "finished" : last == null ? "starting"
                : !last.initialized() ? "waiting for workers" : "running");
        m.put("seconds", lastSeconds);
        m.put("expected_pushes", expectedPushes);
        if (last != null) {
            m.put("version", last.version());
            m.put("gradients_applied", last.gradientsApplied());
            m.put("gradients_dropped", last.gradientsDropped());
            m.put("drop_reasons", last.mode() == dev.momentumps.wire.ConsistencyKind.BACKUP_WORKERS
                    ? "each backup round drops its slowest gradients"
                    : last.gradientsDropped() > 0 ? "non-finite gradients skipped (--non-finite skip)" : "");
            m.put("optimizer", last.updateRule());
            m.put("mode", last.mode().cliName());
            m.put("staleness_bound", last.stalenessBound());
            m.put("staleness_mean", last.staleness().mean());
            m.put("staleness_max", last.staleness().max());
            m.put("staleness_histogram", last.staleness().histogram());
            m.put("implicit_momentum", finite(implicitMomentum(last.staleness().mean())));
            m.put("minibatch_loss", finite(last.recentLoss()));
            int alive = 0;
            for (ServerStatus.Worker w : last.workers()) {
                alive += w.alive() ? 1 : 0;
            }
            m.put("workers_alive", alive);
        }
        List<Map<String, Object>> ws = new ArrayList<>();
        workers.forEach((id, v) -> ws.add(v.json(id, lastSeconds)));
        m.put("workers", ws);
        m.put("progress", progress.json());
        m.put("evaluations", evaluations.json());
        m.put("events", List.copyOf(events));
        m.put("diverged", divergedAt != null);
        m.put("diverged_at_update", divergedAt);
        m.put("divergence", divergence);
        m.put("config", config);
        if (summary != null) {
            m.put("summary", RunSummary.mapper().convertValue(summary, Map.class));
        }
        return m;
    }

    /** {@link #snapshot} as JSON text. */
    public String json() {
        try {
            return MAPPER.writeValueAsString(snapshot());
        } catch (IOException e) {
            throw new IllegalStateException("the dashboard's data does not serialise", e);
        }
    }

    /** The page with its data and scripts inlined: {@code report.html}, opens from disk with no server. */
    public void writeReport(Path file) throws IOException {
        java.nio.file.Files.writeString(file, DashboardPage.report(json()));
    }

    private void event(double seconds, String text) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("seconds", seconds);
        e.put("text", text);
        events.add(e);
        if (events.size() > MAX_EVENTS) {
            events.remove(0);
        }
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** Columns of numbers, thinned to every other row when full. */
    private static final class Series {
        private final String[] names;
        private final List<double[]> rows = new ArrayList<>();

        Series(String... names) {
            this.names = names;
        }

        void add(double... row) {
            rows.add(row);
            if (rows.size() > MAX_POINTS) {
                List<double[]> kept = new ArrayList<>(MAX_POINTS / 2 + 1);
                for (int i = 0; i < rows.size(); i += 2) {
                    kept.add(rows.get(i));
                }
                if (kept.get(kept.size() - 1) != row) {
                    kept.add(row);
                }
                rows.clear();
                rows.addAll(kept);
            }
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int c = 0; c < names.length; c++) {
                Double[] col = new Double[rows.size()];
                for (int r = 0; r < col.length; r++) {
                    col[r] = finite(rows.get(r)[c]);
                }
                m.put(names[c], col);
            }
            return m;
        }
    }

    /** One worker as the page shows it; its rate is pushes per second over the last few seconds. */
    private static final class WorkerView {
        private static final double RATE_WINDOW = 3;
        int rank;
        String name = "";
        long pushes;
        boolean alive = true;
        double meanStaleness;
        long maxStaleness;
        double lastPush;
        double rate;
        double windowStart;
        long windowPushes;

        WorkerView(double seconds) {
            lastPush = seconds;
            windowStart = seconds;
        }

        void update(ServerStatus.Worker w, double seconds) {
            if (w.pushes() != pushes) {
                lastPush = seconds;
            }
            if (seconds - windowStart >= RATE_WINDOW) {
                rate = (w.pushes() - windowPushes) / (seconds - windowStart);
                windowStart = seconds;
                windowPushes = w.pushes();
            } else if (rate == 0 && seconds > windowStart) {
                rate = (w.pushes() - windowPushes) / (seconds - windowStart);
            }
            rank = w.rank();
            name = w.name();
            pushes = w.pushes();
            alive = w.alive();
            meanStaleness = w.meanStaleness();
            maxStaleness = w.maxStaleness();
        }

        Map<String, Object> json(int id, double now) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("rank", rank);
            m.put("name", name);
            m.put("pushes", pushes);
            m.put("pushes_per_second", finite(rate));
            m.put("mean_staleness", finite(meanStaleness));
            m.put("max_staleness", maxStaleness);
            m.put("alive", alive);
            m.put("seconds_since_push", Math.max(0, now - lastPush));
            return m;
        }
    }
}

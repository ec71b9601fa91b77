package dev.momentumps.cli.dashboard;

import dev.momentumps.server.checkpoint.Checkpointer;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.server.core.UpdateListener;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A server's Prometheus metrics, with the official Java client: what the core does (through its
 * {@link UpdateListener} API and its status; the core knows nothing of HTTP), what the gRPC service sees
 * (an interceptor and a stream tracer: pushes received and refused, latency, bytes on the wire), the
 * checkpointer and the JVM. {@link #scrape} is the text {@code /metrics} answers. The names are listed in
 * docs/observability.md.
 */
public final class ServerMetrics implements UpdateListener {
    /** The gRPC methods that push a gradient. */
    private static final java.util.Set<String> PUSH_METHODS = java.util.Set.of("Push", "PushPull");

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Histogram staleness;
    private final Counter dropped;
    private final Counter pushesReceived;
    private final Counter pushesRefused;
    private final Counter calls;
    private final Histogram latency;
    private final Counter bytesIn;
    private final Counter bytesOut;

    /**
     * @param core         the server
     * @param checkpointer its checkpoint writer, or null for none
     */
    public ServerMetrics(ParameterServerCore core, Supplier<Checkpointer> checkpointer) {
        staleness = Histogram.builder().name("mps_staleness").help("Staleness τ of applied gradients (versions)")
                .classicOnly().classicUpperBounds(0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128, 256, 1024)
                .register(registry);
        dropped = Counter.builder().name("mps_gradients_dropped_by_reason_total")
                .help("Gradients accepted but not applied, by reason (backup_round, non_finite)")
                .labelNames("reason").register(registry);
        pushesReceived = Counter.builder().name("mps_pushes_received_total")
                .help("Push and PushPull calls received, by method").labelNames("method").register(registry);
        pushesRefused = Counter.builder().name("mps_pushes_refused_total")
                .help("Push and PushPull calls that ended with an error, by gRPC status code (invalid_argument: "
                        + "a bad or non-finite gradient; unauthenticated: no or a wrong token; ...)")
                .labelNames("reason").register(registry);
        calls = Counter.builder().name("mps_rpc_calls_total").help("gRPC calls answered, by method and status code")
                .labelNames("method", "code").register(registry);
        latency = Histogram.builder().name("mps_round_latency_seconds")
                .help("Time from receiving a Push or PushPull to answering it (includes waiting for a synchronous "
                        + "round or the staleness bound)").labelNames("method").classicOnly()
                .classicExponentialUpperBounds(0.0001, 2, 18).register(registry);
        bytesIn = Counter.builder().name("mps_bytes_received_total")
                .help("Bytes of gRPC messages received, by transport (grpc: on the wire; shared-memory tensors are "
                        + "not on the wire and not counted)").labelNames("transport").register(registry);
        bytesOut = Counter.builder().name("mps_bytes_sent_total").help("Bytes of gRPC messages sent, by transport")
                .labelNames("transport").register(registry);
        Supplier<ServerStatus> status = core::status;
        CounterWithCallback.builder().name("mps_updates_applied_total")
                .help("Updates applied: the server version (a synchronous round is one update)")
                .callback(cb -> cb.call(status.get().version())).register(registry);
        CounterWithCallback.builder().name("mps_gradients_applied_total").help("Gradients applied")
                .callback(cb -> cb.call(status.get().gradientsApplied())).register(registry);
        CounterWithCallback.builder().name("mps_gradients_dropped_total").help("Gradients accepted but not applied")
                .callback(cb -> cb.call(status.get().gradientsDropped())).register(registry);
        CounterWithCallback.builder().name("mps_pushes_by_path_total")
                .help("Pushes taken in, by the path they came by (grpc-unary, grpc-stream, shared-memory, socket, ...)")
                .labelNames("path").callback(cb -> {
                    for (Map.Entry<String, Long> e : status.get().pushesByPath().entrySet()) {
                        cb.call(e.getValue(), e.getKey());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("mps_workers").help("Registered workers, alive or gone")
                .labelNames("state").callback(cb -> {
                    ServerStatus s = status.get();
                    int alive = 0;
                    for (ServerStatus.Worker w : s.workers()) {
                        alive += w.alive() ? 1 : 0;
                    }
                    cb.call(alive, "alive");
                    cb.call(s.workers().size() - alive, "gone");
                }).register(registry);
        GaugeWithCallback.builder().name("mps_recent_minibatch_loss")
                .help("Mean minibatch loss the workers reported with their last 64 gradients")
                .callback(cb -> cb.call(status.get().recentLoss())).register(registry);
        GaugeWithCallback.builder().name("mps_checkpoint_age_seconds")
                .help("Seconds since the last checkpoint was written (absent before the first)").callback(cb -> {
                    Checkpointer c = checkpointer.get();
                    if (c != null && !Double.isNaN(c.secondsSinceLastWrite())) {
                        cb.call(c.secondsSinceLastWrite());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("mps_checkpoint_duration_seconds")
                .help("Seconds the last checkpoint took to write").callback(cb -> {
                    Checkpointer c = checkpointer.get();
                    if (c != null && !Double.isNaN(c.lastDurationSeconds())) {
                        cb.call(c.lastDurationSeconds());
                    }
                }).register(registry);
        // the series every server has, at 0 from the start (a series that appears only later breaks rate())
        for (DropReason r : DropReason.values()) {
            dropped.labelValues(r.name().toLowerCase(Locale.ROOT));
        }
        for (String m : PUSH_METHODS) {
            pushesReceived.labelValues(m);
            latency.labelValues(m);
        }
        for (Status.Code c : new Status.Code[] {Status.Code.INVALID_ARGUMENT, Status.Code.UNAUTHENTICATED,
            Status.Code.FAILED_PRECONDITION, Status.Code.DEADLINE_EXCEEDED}) {
            pushesRefused.labelValues(c.name().toLowerCase(Locale.ROOT));
        }
        bytesIn.labelValues("grpc");
        bytesOut.labelValues("grpc");
        JvmMetrics.builder().register(registry);
        core.addListener(this);
    }

    @Override
    public void onApplied(long version, int workerId, long tau, double loss, long nanos) {
        staleness.observe(tau);
    }

    @Override
    public void onDropped(int workerId, DropReason reason) {
        dropped.labelValues(reason.name().toLowerCase(Locale.ROOT)).inc();
    }

    /** The metrics in the Prometheus text format. */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writer.write(out, registry.scrape(), io.prometheus.metrics.config.EscapingScheme.ALLOW_UTF8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Counts calls, refusals and latency; install it outermost (after the token check) so refusals count. */
    public ServerInterceptor interceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                String method = call.getMethodDescriptor().getBareMethodName();
                boolean push = PUSH_METHODS.contains(method);
                if (push) {
                    pushesReceived.labelValues(method).inc();
                }
                long start = System.nanoTime();
                return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        String code = status.getCode().name().toLowerCase(Locale.ROOT);
                        calls.labelValues(method, code).inc();
                        if (push) {
                            latency.labelValues(method).observe((System.nanoTime() - start) / 1e9);
                            if (!status.isOk()) {
                                pushesRefused.labelValues(code).inc();
                            }
                        }
                        super.close(status, trailers);
                    }
                }, headers);
            }
        };
    }

    /** Counts the bytes of every message on gRPC (the wire sizes when the transport reports them). */
    public ServerStreamTracer.Factory streamTracer() {
        return new ServerStreamTracer.Factory() {
            @Override
            public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
                return new ServerStreamTracer() {
                    @Override
                    public void inboundWireSize(long bytes) {
                        bytesIn.labelValues("grpc").inc(bytes);
                    }

                    @Override
                    public void outboundWireSize(long bytes) {
                        bytesOut.labelValues("grpc").inc(bytes);
                    }
                };
            }
        };
    }
}

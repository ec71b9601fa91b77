package dev.momentumps.wire.config;

import java.util.List;

/**
 * Every {@code mps.*} system property, with its type, default and allowed range, in one place. A value is read
 * once, when the class that uses it loads; a value that does not parse or lies outside the range is refused
 * with an {@link IllegalArgumentException} naming the key, instead of falling back to the default. The keys
 * are documented in {@code docs/configuration.md}.
 */
public final class ConfigKeys {
    /** Initial HTTP/2 flow-control window of Netty servers and of worker channels, bytes. */
    public static final ConfigKey.IntKey FLOW_CONTROL_WINDOW = new ConfigKey.IntKey("mps.flowControlWindow",
            4 << 20, 65_535, Integer.MAX_VALUE, "initial HTTP/2 flow-control window, bytes");
    /** The most one socket read takes, bytes. */
    public static final ConfigKey.IntKey SOCKET_READ_BYTES = new ConfigKey.IntKey("mps.socketReadBytes",
            1 << 20, 64 << 10, Integer.MAX_VALUE, "the most one socket read takes, bytes");
    /** Outbound bytes below which a channel accepts writes again. */
    public static final ConfigKey.IntKey WRITE_BUFFER_LOW = new ConfigKey.IntKey("mps.writeBufferLow",
            1 << 20, 32 << 10, Integer.MAX_VALUE, "write-buffer low water mark, bytes");
    /** Outbound bytes above which a channel stops accepting writes; at least {@link #WRITE_BUFFER_LOW}'s value. */
    public static final ConfigKey.IntKey WRITE_BUFFER_HIGH = new ConfigKey.IntKey("mps.writeBufferHigh",
            4 << 20, 32 << 10, Integer.MAX_VALUE, "write-buffer high water mark, bytes (>= mps.writeBufferLow)");
    /** The HTTP/2 maximum frame size both sides ask for, bytes (HTTP/2 allows 16384 to 2^24 − 1). */
    public static final ConfigKey.IntKey HTTP2_MAX_FRAME_SIZE = new ConfigKey.IntKey("mps.http2MaxFrameSize",
            (1 << 20) + (64 << 10), 16_384, (1 << 24) - 1, "HTTP/2 maximum frame size, bytes");
    /** Whether a frame's reads are gathered into a composite buffer instead of copied into one. */
    public static final ConfigKey.BooleanKey COMPOSITE_CUMULATOR = new ConfigKey.BooleanKey("mps.compositeCumulator",
            true, "gather a frame's reads into a composite buffer");
    /** Whether the server runs one full garbage collection once the model is initialised. */
    public static final ConfigKey.BooleanKey GC_AFTER_INITIALIZE = new ConfigKey.BooleanKey("mps.gcAfterInitialize",
            false, "one full GC once the model is initialised");

    /**
     * A server ends a Push or Initialize stream that sends no frame for this long before it half-closes, and
     * releases the memory it was admitted with; read when a server's service is built.
     */
    public static final ConfigKey.IntKey STREAM_IDLE_MS = new ConfigKey.IntKey("mps.streamIdleMs", 30_000, 100,
            Integer.MAX_VALUE, "a Push or Initialize stream idle this long before half-closing is ended, ms");

    /**
     * Connections a server's training port serves at once; calls on a connection beyond them are refused with
     * RESOURCE_EXHAUSTED. With {@link #MAX_CALLS_PER_CONNECTION} it bounds the bytes of messages still arriving
     * (see docs/operations-reliability.md); read when a server is built.
     */
    public static final ConfigKey.IntKey MAX_CONNECTIONS = new ConfigKey.IntKey("mps.maxConnections", 256, 1,
            1 << 20, "connections a server's training port serves at once");
    /**
     * Calls one connection to a server's training port may have open at once (HTTP/2's
     * SETTINGS_MAX_CONCURRENT_STREAMS: a client queues the others, a stream beyond it is refused); read when a
     * server is built.
     */
    public static final ConfigKey.IntKey MAX_CALLS_PER_CONNECTION = new ConfigKey.IntKey(
            "mps.maxCallsPerConnection", 16, 2, 1 << 16, "calls one connection may have open at once");

    /**
     * Calls a server's training port has in progress at once, over all connections; a call beyond them is
     * refused with RESOURCE_EXHAUSTED when its headers arrive. 0 derives it from the JVM's max direct memory
     * (half of it, over twice the message limit per call); a value whose worst case passes the max direct
     * memory is refused when the server is built.
     */
    public static final ConfigKey.IntKey MAX_CALLS_IN_FLIGHT = new ConfigKey.IntKey("mps.maxCallsInFlight", 0, 0,
            1 << 20, "calls a server's training port has in progress at once (0: from the max direct memory)");

    /**
     * Workers a server keeps registered (live) at once; a Register that would add one more is refused with
     * RESOURCE_EXHAUSTED until one deregisters or its lease expires. Read when a server's core is built.
     */
    public static final ConfigKey.IntKey MAX_WORKERS = new ConfigKey.IntKey("mps.maxWorkers", 4096, 1, 1 << 20,
            "workers a server keeps registered at once");

    /**
     * An asynchronous server applies a shared-memory push in place, block by block from the worker's region, only
     * for models of more than this many elements; smaller pushes are copied into a pooled array first (each
     * block checked as it lands) and applied from there. Read when the core's class loads.
     */
    public static final ConfigKey.IntKey IN_PLACE_ABOVE = new ConfigKey.IntKey("mps.inPlaceAbove", 1 << 24, 0,
            Integer.MAX_VALUE, "shared-memory pushes of more elements than this are applied in place, elements");

    /**
     * A payload socket's wait for bytes polls the socket up to this long before it blocks, microseconds (0: it
     * blocks at once); polls that find nothing back off (see {@code TimedChannel}). Read when the payload
     * socket's channel class loads, on the server and on the worker.
     */
    public static final ConfigKey.IntKey SOCKET_SPIN_MICROS = new ConfigKey.IntKey("mps.socketSpinMicros", 50, 0,
            100_000, "a payload socket's wait polls up to this long before it blocks, microseconds");

    private ConfigKeys() {
    }

    /** Every key, in the order of {@code docs/configuration.md}. */
    public static List<ConfigKey<?>> all() {
        return List.of(FLOW_CONTROL_WINDOW, SOCKET_READ_BYTES, WRITE_BUFFER_LOW, WRITE_BUFFER_HIGH,
                HTTP2_MAX_FRAME_SIZE, COMPOSITE_CUMULATOR, GC_AFTER_INITIALIZE, STREAM_IDLE_MS, MAX_CONNECTIONS,
                MAX_CALLS_PER_CONNECTION, MAX_CALLS_IN_FLIGHT, MAX_WORKERS, IN_PLACE_ABOVE, SOCKET_SPIN_MICROS);
    }
}

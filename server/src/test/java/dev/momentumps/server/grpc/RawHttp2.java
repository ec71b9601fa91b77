package dev.momentumps.server.grpc;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A plaintext HTTP/2 client written by hand, for what a gRPC client never does: stop in the middle of a message,
 * send the rest a byte at a time, or leave many messages unfinished. It sends the preface, empty SETTINGS, a
 * request's HEADERS (HPACK literals, no Huffman) and DATA frames; a reader thread acknowledges the server's
 * SETTINGS, follows its flow-control windows (for {@link #send}) and notes which streams the server ended
 * (END_STREAM, or RST_STREAM with its error code).
 */
final class RawHttp2 implements AutoCloseable {
    /** RST_STREAM's error code for a stream beyond SETTINGS_MAX_CONCURRENT_STREAMS. */
    static final int REFUSED_STREAM = 7;
    private static final int MAX_FRAME = 16_384; // HTTP/2's default, which every server accepts

    private final Socket socket;
    private final DataOutputStream out;
    private final Set<Integer> ended = ConcurrentHashMap.newKeySet();
    private final Map<Integer, Integer> resets = new ConcurrentHashMap<>();
    private final Thread reader;
    // flow control, guarded by `windows`
    private final Object windows = new Object();
    private long connectionWindow = 65_535;
    private long initialStreamWindow = 65_535;
    private final Map<Integer, Long> streamWindows = new HashMap<>();
    private boolean closed;
    private boolean holdAcknowledgement;
    private final List<byte[]> unacknowledged = new ArrayList<>();

    RawHttp2(int port) throws IOException {
        this(port, false);
    }

    /**
     * @param holdAcknowledgement acknowledge the server's SETTINGS only on {@link #acknowledgeSettings}: until
     *                            then HTTP/2's defaults are in force on the server (no limit on concurrent
     *                            streams), so the streams opened before are all the server's to refuse or take
     */
    RawHttp2(int port, boolean holdAcknowledgement) throws IOException {
        this.holdAcknowledgement = holdAcknowledgement;
        socket = new Socket("127.0.0.1", port);
        out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        frame(4, 0, 0, new byte[0]);
        reader = new Thread(this::read, "raw-http2-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** A gRPC message: not compressed, its length, its bytes. */
    static byte[] message(byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(body.length).put(body).array();
    }

    /** A gRPC message's 5-byte prefix announcing {@code length} bytes. */
    static byte[] prefix(int length) {
        return ByteBuffer.allocate(5).put((byte) 0).putInt(length).array();
    }

    void open(int stream, String path) throws IOException {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        String[][] headers = {{":method", "POST"}, {":scheme", "http"}, {":path", path},
                {":authority", "127.0.0.1"}, {"content-type", "application/grpc"}, {"te", "trailers"}};
        for (String[] h : headers) {
            block.write(0); // literal header field without indexing, new name
            literal(block, h[0]);
            literal(block, h[1]);
        }
        synchronized (windows) {
            streamWindows.put(stream, initialStreamWindow);
        }
        frame(1, 0x4, stream, block.toByteArray()); // HEADERS, END_HEADERS
    }

    private static void literal(ByteArrayOutputStream block, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        block.write(b.length); // under 127: one byte, no Huffman
        block.write(b, 0, b.length);
    }

    /** One DATA frame, whatever the windows say (for a few bytes). */
    void data(int stream, byte[] bytes) throws IOException {
        frame(0, 0, stream, bytes);
    }

    /**
     * Sends {@code bytes} of DATA frames as the server's windows allow; stops when the server ends the stream
     * or when no window opens for {@code waitMillis}.
     *
     * @return the bytes sent
     */
    long send(int stream, long bytes, long waitMillis) throws IOException, InterruptedException {
        long sent = 0;
        byte[] zeros = new byte[MAX_FRAME];
        while (sent < bytes && !ended(stream)) {
            int n;
            synchronized (windows) {
                long deadline = System.nanoTime() + waitMillis * 1_000_000;
                while (!closed && !ended(stream) && (connectionWindow <= 0 || streamWindows.get(stream) <= 0)) {
                    long left = (deadline - System.nanoTime()) / 1_000_000;
                    if (left <= 0) {
                        return sent;
                    }
                    windows.wait(Math.min(left, 50));
                }
                if (closed || ended(stream)) {
                    return sent;
                }
                n = (int) Math.min(Math.min(MAX_FRAME, bytes - sent),
                        Math.min(connectionWindow, streamWindows.get(stream)));
                connectionWindow -= n;
                streamWindows.merge(stream, (long) -n, Long::sum);
            }
            frame(0, 0, stream, n == MAX_FRAME ? zeros : new byte[n]);
            sent += n;
        }
        return sent;
    }

    boolean ended(int stream) {
        return ended.contains(stream);
    }

    /** RST_STREAM's error code for {@code stream}, or -1 when the server did not reset it. */
    int resetCode(int stream) {
        return resets.getOrDefault(stream, -1);
    }

    private synchronized void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        out.writeByte(payload.length >>> 16);
        out.writeShort(payload.length & 0xffff);
        out.writeByte(type);
        out.writeByte(flags);
        out.writeInt(stream);
        out.write(payload);
        out.flush();
    }

    private void read() {
        try (DataInputStream in = new DataInputStream(socket.getInputStream())) {
            while (true) {
                int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int stream = in.readInt() & 0x7fffffff;
                byte[] payload = new byte[length];
                in.readFully(payload);
                ByteBuffer p = ByteBuffer.wrap(payload);
                if (type == 4 && (flags & 0x1) == 0) { // SETTINGS
                    synchronized (windows) {
                        if (holdAcknowledgement) {
                            unacknowledged.add(payload);
                            continue;
                        }
                    }
                    settings(payload);
                } else if (type == 8) { // WINDOW_UPDATE
                    long increment = p.getInt() & 0x7fffffffL;
                    synchronized (windows) {
                        if (stream == 0) {
                            connectionWindow += increment;
                        } else {
                            streamWindows.merge(stream, increment, Long::sum);
                        }
                        windows.notifyAll();
                    }
                } else if (stream != 0 && type == 3) { // RST_STREAM
                    resets.put(stream, p.getInt());
                    endStream(stream);
                } else if (stream != 0 && (type == 0 || type == 1) && (flags & 0x1) != 0) {
                    endStream(stream); // DATA/HEADERS with END_STREAM
                }
            }
        } catch (IOException e) {
            synchronized (windows) {
                closed = true;
                windows.notifyAll();
            }
        }
    }

    /** Acknowledges the SETTINGS held so far, and those that follow as they arrive. */
    void acknowledgeSettings() throws IOException {
        List<byte[]> held;
        synchronized (windows) {
            holdAcknowledgement = false;
            held = new ArrayList<>(unacknowledged);
            unacknowledged.clear();
        }
        for (byte[] payload : held) {
            settings(payload);
        }
    }

    /** Takes the server's SETTINGS into account (its initial stream window) and acknowledges them. */
    private void settings(byte[] payload) throws IOException {
        ByteBuffer p = ByteBuffer.wrap(payload);
        while (p.remaining() >= 6) {
            int id = p.getShort() & 0xffff;
            long value = p.getInt() & 0xffffffffL;
            if (id == 4) { // SETTINGS_INITIAL_WINDOW_SIZE
                synchronized (windows) {
                    long delta = value - initialStreamWindow;
                    initialStreamWindow = value;
                    streamWindows.replaceAll((k, w) -> w + delta);
                    windows.notifyAll();
                }
            }
        }
        frame(4, 0x1, 0, new byte[0]); // SETTINGS ACK
    }

    private void endStream(int stream) {
        ended.add(stream);
        synchronized (windows) {
            windows.notifyAll();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

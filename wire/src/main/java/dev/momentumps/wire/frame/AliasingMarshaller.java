package dev.momentumps.wire.frame;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Detachable;
import io.grpc.HasByteBuffer;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A protobuf marshaller that parses without copying: when gRPC hands it a message that still sits in the
 * transport's buffers (Netty's streams are {@link KnownLength}, {@link HasByteBuffer} and
 * {@link Detachable}), it takes those buffers over ({@link Detachable#detach}) and parses them with aliasing
 * on, so a {@code bytes} field such as a chunk's {@code data} is a view of Netty's memory rather than a
 * copy. The caller decodes the values from that view (one copy, straight into its float[]) and then must
 * {@link #release} the message, which hands the buffers back to Netty. Any other stream (in-process,
 * compressed, a transport without byte buffers) takes protobuf's ordinary parse and holds nothing.
 *
 * <p>The same technique as grpc-java's own zero-copy examples and the GCS connector's
 * {@code ZeroCopyMessageMarshaller}. A message parsed here and never released keeps its buffers until the
 * collector finds them (Netty's leak detector reports it): every consumer releases in a {@code finally}.
 */
public final class AliasingMarshaller<T extends Message> implements MethodDescriptor.Marshaller<T> {
    /** Messages that alias transport buffers, with the stream owning those buffers. */
    private static final Map<Object, InputStream> HELD = Collections.synchronizedMap(new IdentityHashMap<>());

    private final Parser<T> parser;
    private final MethodDescriptor.Marshaller<T> plain;

    @SuppressWarnings("unchecked")
    public AliasingMarshaller(T defaultInstance) {
        this.parser = (Parser<T>) defaultInstance.getParserForType();
        this.plain = ProtoUtils.marshaller(defaultInstance);
    }

    @Override
    public InputStream stream(T value) {
        return plain.stream(value);
    }

    @Override
    public T parse(InputStream stream) {
        if (!(stream instanceof KnownLength && stream instanceof Detachable && stream instanceof HasByteBuffer
                && stream.markSupported() && ((HasByteBuffer) stream).byteBufferSupported())) {
            return plain.parse(stream);
        }
        InputStream detached;
        int size;
        try {
            size = stream.available();
            detached = ((Detachable) stream).detach();
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("cannot read the message").withCause(e).asRuntimeException();
        }
        boolean keep = false;
        try {
            T message = parseAliased(detached, size);
            if (size > 0) {
                HELD.put(message, detached);
                keep = true;
            }
            return message;
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(e).asRuntimeException();
        } finally {
            if (!keep) {
                closeQuietly(detached);
            }
        }
    }

    /** Wraps each of the stream's buffers (no copy) and parses the whole as one aliased input. */
    private T parseAliased(InputStream detached, int size) throws IOException {
        List<ByteString> parts = new ArrayList<>();
        // marked, finished buffers are kept for reset() instead of being released as they are skipped
        detached.mark(size);
        while (detached.available() > 0) {
            java.nio.ByteBuffer b = ((HasByteBuffer) detached).getByteBuffer();
            if (b == null || !b.hasRemaining()) {
                throw new IOException("the transport's stream gave no byte buffer with " + detached.available()
                        + " bytes left");
            }
            int n = b.remaining();
            parts.add(UnsafeByteOperations.unsafeWrap(b));
            long skipped = detached.skip(n);
            if (skipped != n) {
                throw new IOException("skipped " + skipped + " of " + n + " bytes");
            }
        }
        detached.reset();
        CodedInputStream in = ByteString.copyFrom(parts).newCodedInput();
        in.enableAliasing(true);
        in.setSizeLimit(Integer.MAX_VALUE);
        T message = parser.parseFrom(in);
        try {
            in.checkLastTagWas(0);
        } catch (InvalidProtocolBufferException e) {
            throw e.setUnfinishedMessage(message);
        }
        return message;
    }

    /**
     * Hands back the transport buffers a message parsed by any {@code AliasingMarshaller} still views; its
     * {@code bytes} fields must not be read afterwards. A message that holds nothing is ignored.
     */
    public static void release(Object message) {
        InputStream s = message == null ? null : HELD.remove(message);
        if (s != null) {
            closeQuietly(s);
        }
    }

    /** Number of parsed messages still holding transport buffers (for tests and leak checks). */
    public static int held() {
        return HELD.size();
    }

    private static void closeQuietly(InputStream s) {
        try {
            s.close();
        } catch (IOException | RuntimeException ignored) {
            // releasing is best effort; the buffers are gone either way
        }
    }
}

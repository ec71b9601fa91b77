package dev.momentumps.wire.frame;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.WireFormat;
import java.io.InputStream;

/**
 * A unary message whose one {@code bytes} field holds {@code values[0, count)} as little-endian float32 by
 * reference ({@code PushPullRequest.gradient}, {@code PushPullReply.weights}), its other fields taken from
 * {@code head}. {@link #stream} writes {@code head}'s bytes, then the field's tag and length, then the values
 * ({@link FloatBytesStream}):
 *
 * <pre>
 *   head's fields ...          e.g. header (field 1)
 *   tag(field, LEN) varint(4*count) ...   the values; an empty field is omitted unless it is in a oneof
 * </pre>
 *
 * which is protobuf's own encoding of the whole message when every field of {@code head} has a lower number
 * than {@code field} (protobuf writes fields in number order; a parser takes them in any order). Protobuf
 * would first copy the values into a message-sized byte[]: for a model of a few hundred thousand
 * parameters that is an 800 KiB array a call on each side, too big for a small young generation.
 *
 * <p>Like {@link FloatChunkFrame}, the values are read when gRPC drains the stream: Netty's transport
 * does so inside {@code onNext} (server) and {@code sendMessage} (client).
 *
 * @param head   the message's other fields; must not set {@code field}
 * @param field  the number of the {@code bytes} field the values go in
 */
public record InlineFloats(Message head, int field, float[] values, int count) {
    public InlineFloats {
        if (count < 0 || count > values.length) {
            throw new IndexOutOfBoundsException(count + " values of " + values.length);
        }
        FieldDescriptor fd = head.getDescriptorForType().findFieldByNumber(field);
        if (fd == null || fd.getType() != FieldDescriptor.Type.BYTES || fd.isRepeated()) {
            throw new IllegalArgumentException(head.getDescriptorForType().getName() + " has no bytes field " + field);
        }
        if (head.hasField(fd)) {
            throw new IllegalArgumentException(head.getDescriptorForType().getName() + "." + fd.getName()
                    + " is set in head: the values go there");
        }
    }

    /** The message's protobuf encoding. */
    public InputStream stream() {
        byte[] headBytes = head.toByteArray();
        int dataBytes = count * Float.BYTES;
        int tag = (field << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;
        // proto3 omits an empty bytes field, unless it has presence (a oneof member such as PushPullRequest.gradient)
        boolean written = count > 0 || head.getDescriptorForType().findFieldByNumber(field).hasPresence();
        int fieldPrefix = written ? CodedOutputStream.computeUInt32SizeNoTag(tag)
                + CodedOutputStream.computeUInt32SizeNoTag(dataBytes) : 0;
        byte[] prefix = new byte[headBytes.length + fieldPrefix];
        System.arraycopy(headBytes, 0, prefix, 0, headBytes.length);
        if (written) {
            CodedOutputStream out = CodedOutputStream.newInstance(prefix, headBytes.length, fieldPrefix);
            try {
                out.writeUInt32NoTag(tag);
                out.writeUInt32NoTag(dataBytes);
                out.checkNoSpaceLeft();
            } catch (java.io.IOException e) {
                throw new IllegalStateException("field prefix size miscomputed", e);
            }
        }
        return new FloatBytesStream(prefix, values, 0, count);
    }
}

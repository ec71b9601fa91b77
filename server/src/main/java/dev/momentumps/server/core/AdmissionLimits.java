package dev.momentumps.server.core;

import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.TensorLayout;

/**
 * The limits a request is admitted against before anything model-sized is allocated for it: the largest
 * model this server accepts ({@code --max-params}) and the bytes that requests in flight may hold together
 * while their frames arrive ({@code --inflight-mib}; a transport's admission control reads it when it starts).
 */
final class AdmissionLimits {
    private volatile long maxParams = Integer.MAX_VALUE - 8;
    private volatile long inflightBytes = Math.max(64L << 20, Runtime.getRuntime().maxMemory() / 4);

    void setMaxParams(long maxParams) {
        if (maxParams < 1) {
            throw new IllegalArgumentException("the largest model must have at least 1 parameter, got " + maxParams);
        }
        this.maxParams = maxParams;
    }

    long maxParams() {
        return maxParams;
    }

    void setInflightBytes(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("the in-flight budget must be >= 1 byte, got " + bytes);
        }
        this.inflightBytes = bytes;
    }

    long inflightBytes() {
        return inflightBytes;
    }

    /** Refuses a layout of more than {@link #maxParams} elements (INVALID_ARGUMENT naming the layout). */
    void checkLayout(TensorLayout layout) {
        long max = maxParams;
        if (layout.numElements() > max) {
            throw new RequestException(RequestException.Reason.INVALID_ARGUMENT, "layout: " + layout.numElements()
                    + " elements, more than this server's largest model (--max-params " + max + ")");
        }
    }
}

package dev.momentumps.cli.run;

import io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent;

/** Run in a child JVM by {@link JvmOptionsTest}: prints whether gRPC's Netty allocates direct memory without a cleaner. */
public final class NettyAllocatorProbe {
    private NettyAllocatorProbe() {
    }

    public static void main(String[] args) {
        System.out.print("noCleaner=" + PlatformDependent.useDirectBufferNoCleaner());
    }
}

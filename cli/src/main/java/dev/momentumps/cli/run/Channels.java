package dev.momentumps.cli.run;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/** Plaintext channels to a server given as HOST:PORT. */
public final class Channels {
    private Channels() {
    }

    /** @throws IllegalArgumentException naming {@code flag} when the address is not HOST:PORT */
    public static ManagedChannel forAddress(String address, String flag) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException(flag + " must be HOST:PORT, got '" + address + "'");
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": port must be a number, got '" + address + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(flag + ": port must be in [1, 65535], got " + port);
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return NettyChannelBuilder.forAddress(host, port).usePlaintext()
                .maxInboundMessageSize(32 << 20).directExecutor().initialFlowControlWindow(dev.momentumps.server.grpc.ServerHost.FLOW_CONTROL_WINDOW).build();
    }
}

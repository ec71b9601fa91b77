package dev.momentumps.cli.run;

import dev.momentumps.server.grpc.BearerTokenInterceptor;
import dev.momentumps.server.grpc.TlsConfig;
import dev.momentumps.wire.http2.LargeFrames;
import dev.momentumps.wire.http2.SocketTuning;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.atomic.AtomicBoolean;

/** Channels to a server given as HOST:PORT: plaintext, or TLS / mutual TLS, with an optional bearer token. */
public final class Channels {
    /** Whether this process has warned of a token sent in plaintext (it warns once). */
    private static final AtomicBoolean WARNED_PLAINTEXT_TOKEN = new AtomicBoolean();

    private Channels() {
    }

    /** @throws IllegalArgumentException naming {@code flag} when the address is not HOST:PORT */
    public static ManagedChannel forAddress(String address, String flag) {
        return forAddress(address, flag, TlsConfig.NONE, null);
    }

    /**
     * @param tls   plaintext when {@link TlsConfig#NONE}
     * @param token sent as {@code authorization: Bearer <token>} on every call; null for none
     */
    public static ManagedChannel forAddress(String address, String flag, TlsConfig tls, String token) {
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
        NettyChannelBuilder b;
        try {
            b = NettyChannelBuilder.forAddress(host, port, LargeFrames.channel(tls.channelCredentials()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        warnOnce(plaintextTokenWarning(host, tls, token), System.err);
        if (token != null) {
            Metadata m = new Metadata();
            m.put(BearerTokenInterceptor.AUTHORIZATION, BearerTokenInterceptor.SCHEME + token);
            b.intercept(MetadataUtils.newAttachHeadersInterceptor(m));
        }
        return SocketTuning.channel(b).maxInboundMessageSize(32 << 20).directExecutor().build();
    }

    /**
     * The warning for a bearer token that would travel in plaintext (no TLS) to a host that is not this
     * machine's loopback, where anyone on the path can read it; null when there is nothing to warn of.
     */
    static String plaintextTokenWarning(String host, TlsConfig tls, String token) {
        if (token == null || tls.enabled() || isLoopback(host)) {
            return null;
        }
        return "warning: the bearer token is sent to " + host + " without TLS, readable by anyone on the path; "
                + "give --tls-ca to encrypt the connection";
    }

    /** Prints {@code warning} (if any) the first time this process has one; later ones are not repeated. */
    static void warnOnce(String warning, PrintStream out) {
        if (warning != null && WARNED_PLAINTEXT_TOKEN.compareAndSet(false, true)) {
            out.println(warning);
        }
    }

    /** Whether every address of {@code host} is a loopback address ("localhost", 127.0.0.0/8, ::1). */
    private static boolean isLoopback(String host) {
        try {
            InetAddress[] all = InetAddress.getAllByName(host);
            for (InetAddress a : all) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return all.length > 0;
        } catch (UnknownHostException e) {
            return false; // not resolvable here: not known to be this machine
        }
    }
}

package dev.momentumps.server.grpc;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TLS settings of one end, from PEM files. A server needs its certificate chain and private key (PKCS#8
 * PEM); with a CA file it also demands and checks client certificates (mutual TLS). A client needs the CA
 * that signed the server's certificate; with its own certificate and key it can prove itself to a server
 * that demands mutual TLS. All null: plaintext.
 */
public record TlsConfig(Path cert, Path key, Path ca) {

    public static final TlsConfig NONE = new TlsConfig(null, null, null);

    public boolean enabled() {
        return cert != null || key != null || ca != null;
    }

    /** Server credentials: plaintext, TLS, or mutual TLS when a client CA is given. */
    public ServerCredentials serverCredentials() throws IOException {
        if (!enabled()) {
            return InsecureServerCredentials.create();
        }
        if (cert == null || key == null) {
            throw new IllegalArgumentException("--tls-cert and --tls-key must be given together");
        }
        TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder()
                .keyManager(readable(cert, "--tls-cert").toFile(), readable(key, "--tls-key").toFile());
        if (ca != null) {
            b.trustManager(readable(ca, "--tls-client-ca").toFile())
                    .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
        }
        return b.build();
    }

    /** Client credentials: plaintext, or TLS trusting {@code ca}, with a client certificate when given. */
    public ChannelCredentials channelCredentials() throws IOException {
        if (!enabled()) {
            return InsecureChannelCredentials.create();
        }
        if (ca == null) {
            throw new IllegalArgumentException("--tls-ca is needed to check the server's certificate");
        }
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key must be given together");
        }
        TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder().trustManager(readable(ca, "--tls-ca").toFile());
        if (cert != null) {
            b.keyManager(readable(cert, "--tls-cert").toFile(), readable(key, "--tls-key").toFile());
        }
        return b.build();
    }

    private static Path readable(Path p, String flag) {
        if (!Files.isReadable(p)) {
            throw new IllegalArgumentException(flag + " " + p + ": no such readable file");
        }
        return p;
    }
}

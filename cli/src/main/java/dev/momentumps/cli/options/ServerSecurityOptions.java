package dev.momentumps.cli.options;

import dev.momentumps.server.grpc.TlsConfig;
import dev.momentumps.server.grpc.Tokens;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** TLS and the bearer token of a server. The token never appears on the command line. */
public final class ServerSecurityOptions {

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Serve TLS with this certificate chain (PEM).")
    public Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The private key of --tls-cert (PKCS#8 PEM).")
    public Path tlsKey;

    @Option(names = "--tls-client-ca", paramLabel = "PEM",
            description = "Mutual TLS: demand client certificates signed by this CA.")
    public Path tlsClientCa;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "Demand this shared bearer token (the file's first line) on every call; without it the "
                    + "environment variable " + Tokens.ENV + " is used if set.")
    public Path tokenFile;

    public TlsConfig tls() {
        return new TlsConfig(tlsCert, tlsKey, tlsClientCa);
    }

    /** The token, or null when none is configured. */
    public String token() {
        return Tokens.load(tokenFile, System.getenv());
    }

    public List<String> toArgs() {
        List<String> a = new ArrayList<>();
        Args.add(a, "--tls-cert", tlsCert);
        Args.add(a, "--tls-key", tlsKey);
        Args.add(a, "--tls-client-ca", tlsClientCa);
        Args.add(a, "--token-file", tokenFile);
        return a;
    }
}

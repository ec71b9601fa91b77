package dev.momentumps.cli.options;

import dev.momentumps.server.grpc.TlsConfig;
import dev.momentumps.server.grpc.Tokens;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** TLS and the bearer token of a client (a worker). The token never appears on the command line. */
public final class ClientSecurityOptions {

    @Option(names = "--tls-ca", paramLabel = "PEM", description = "Connect with TLS, trusting servers signed by this CA.")
    public Path tlsCa;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Mutual TLS: this client's certificate chain.")
    public Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "Mutual TLS: the private key of --tls-cert.")
    public Path tlsKey;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "Send this bearer token (the file's first line) with every call; without it the "
                    + "environment variable " + Tokens.ENV + " is used if set.")
    public Path tokenFile;

    public TlsConfig tls() {
        return new TlsConfig(tlsCert, tlsKey, tlsCa);
    }

    public String token() {
        return Tokens.load(tokenFile, System.getenv());
    }

    public List<String> toArgs() {
        List<String> a = new ArrayList<>();
        Args.add(a, "--tls-ca", tlsCa);
        Args.add(a, "--tls-cert", tlsCert);
        Args.add(a, "--tls-key", tlsKey);
        Args.add(a, "--token-file", tokenFile);
        return a;
    }
}

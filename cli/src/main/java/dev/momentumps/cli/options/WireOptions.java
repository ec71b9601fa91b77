package dev.momentumps.cli.options;

import dev.momentumps.wire.ParameterClient;
import dev.momentumps.worker.client.CompressingClient;
import dev.momentumps.worker.client.Compression;
import dev.momentumps.worker.client.SparseMode;
import dev.momentumps.worker.client.Transport;
import dev.momentumps.worker.client.WireStats;
import dev.momentumps.worker.loop.GradientSource;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** How a worker's gradients travel: sparse pushes and compression (see {@link CompressingClient}). */
public final class WireOptions {

    @Option(names = "--sparse", paramLabel = "MODE", defaultValue = "auto",
            description = "auto: push only the rows the minibatch touched when that is fewer bytes than the dense "
                    + "vector (linear/logistic models on LibSVM data); on: always sparse; off: always dense. "
                    + "Default: ${DEFAULT-VALUE}.")
    public String sparse = "auto";

    @Option(names = "--compress", paramLabel = "C", defaultValue = "none",
            description = "Gradient compression: none, fp16 (IEEE half floats on the wire) or topk:K (the K "
                    + "largest entries of gradient + residual, error feedback on the worker). Default: ${DEFAULT-VALUE}.")
    public String compress = "none";

    @Option(names = "--transport", paramLabel = "T", defaultValue = "auto",
            description = "How a worker process moves tensors: auto (the server's payload socket when it offers one, "
                    + "on the server's host only for models up to 1 MiB and shared memory above; else TCP gRPC), "
                    + "tcp (TCP gRPC only, as from another host: fp16 and sparse bytes then really leave the "
                    + "worker), socket (tensors on the server's payload socket, a plain TCP socket beside the gRPC "
                    + "channel: mps server --payload-port; not with TLS), shared-memory, grpc-unary or grpc-stream. "
                    + "In-process runs ignore it. "
                    + "Default: ${DEFAULT-VALUE}.")
    public String transport = "auto";

    /** @throws IllegalArgumentException naming the flag */
    public SparseMode sparseMode() {
        return SparseMode.parse(sparse, "--sparse");
    }

    /** @throws IllegalArgumentException naming the flag */
    public Compression compression() {
        return Compression.parse(compress, "--compress");
    }


    /** @throws IllegalArgumentException naming the flag */
    public Transport transport() {
        return Transport.parse(transport, "--transport");
    }

    /**
     * Refuses {@code --transport socket} with TLS: the payload socket is plaintext, so it would send the
     * tensors the TLS channel protects in the clear.
     *
     * @param tlsFlag the TLS flag in force (named in the error), or null without TLS
     */
    public void checkTls(String tlsFlag) {
        if (tlsFlag != null && transport() == Transport.SOCKET) {
            throw new IllegalArgumentException("--transport socket sends gradients and weights in plaintext beside "
                    + "the TLS channel (" + tlsFlag + "); use --transport tcp with TLS");
        }
    }

    /** {@code client} wrapped so that its pushes take the chosen form; counted in {@code stats}. */
    public ParameterClient wrap(ParameterClient client, GradientSource source, WireStats stats) {
        return new CompressingClient(client, source, sparseMode(), compression(), stats);
    }

    public List<String> toArgs() {
        List<String> a = new ArrayList<>();
        Args.add(a, "--sparse", sparse);
        Args.add(a, "--compress", compress);
        Args.add(a, "--transport", transport);
        return a;
    }
}

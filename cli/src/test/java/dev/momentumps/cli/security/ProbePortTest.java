package dev.momentumps.cli.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.StatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NegotiationType;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes manifest's server, started as the manifest starts it (its arguments and environment, TLS and
 * the token included), answers the manifest's readiness and liveness probes: a plaintext gRPC health check
 * without a token on the port the probes name, as the kubelet sends it.
 */
class ProbePortTest {
    private static final String TOKEN = "probe-test-token-0123456789abcdef";

    private static JsonNode serverContainer() throws Exception {
        Path yaml = Path.of(System.getProperty("mps.project.dir", ".."), "src", "deploy", "k8s", "server.yaml");
        try (MappingIterator<JsonNode> docs = new ObjectMapper(new YAMLFactory()).readerFor(JsonNode.class)
                .readValues(yaml.toFile())) {
            while (docs.hasNext()) {
                JsonNode d = docs.next();
                if (d.get("kind").asText().equals("StatefulSet")) {
                    return d.at("/spec/template/spec/containers/0");
                }
            }
        }
        throw new AssertionError("no StatefulSet in " + yaml);
    }

    @Test
    void theManifestsProbesPassOnATokenProtectedTlsServer(@TempDir Path dir) throws Exception {
        JsonNode c = serverContainer();
        int probePort = c.at("/readinessProbe/grpc/port").asInt();
        assertEquals(probePort, c.at("/livenessProbe/grpc/port").asInt());
        String service = c.at("/readinessProbe/grpc/service").asText("");

        // the Secret's files where the manifest mounts them
        Path etc = Files.createDirectories(dir.resolve("etc-mps"));
        Path[] tls = new TestCertificates("probe CA").issue(dir, "server");
        Files.copy(tls[0], etc.resolve("tls.crt"));
        Files.copy(tls[1], etc.resolve("tls.key"));
        String mount = c.at("/volumeMounts/1/mountPath").asText();
        String checkpoints = c.at("/volumeMounts/0/mountPath").asText();
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                System.getProperty("java.class.path"), "dev.momentumps.cli.Main"));
        for (JsonNode a : c.get("args")) {
            cmd.add(a.asText().replace(mount, etc.toString()).replace(checkpoints, dir.resolve("ckpt").toString()));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile());
        Map<String, String> env = pb.environment();
        boolean probeVariable = false;
        for (JsonNode e : c.get("env")) {
            String name = e.get("name").asText();
            if (e.has("value")) {
                env.put(name, e.get("value").asText());
            } else if (e.at("/valueFrom/secretKeyRef/key").asText().equals("token")) {
                env.put(name, TOKEN);
            } else if (name.equals("MPS_SHARD_INDEX")) {
                env.put(name, "0");
            }
            if (name.equals("MPS_PROBE_PORT")) {
                assertEquals(probePort, Integer.parseInt(e.get("value").asText()), "the probes call MPS_PROBE_PORT");
                probeVariable = true;
            }
        }
        assertTrue(probeVariable, "the manifest sets MPS_PROBE_PORT");
        assertEquals(TOKEN, env.get("MPS_TOKEN"), "the manifest's server demands the token");
        // this machine's loopback and free ports instead of the pod's
        env.put("MPS_BIND", "127.0.0.1");
        env.put("MPS_PORT", "0");
        env.put("MPS_PROBE_PORT", "0");
        Process server = pb.start();
        ManagedChannel plain = null;
        ManagedChannel secure = null;
        try {
            int[] ports = awaitPorts(server, dir.resolve("log"));
            plain = NettyChannelBuilder.forAddress("127.0.0.1", ports[1]).usePlaintext().build();
            // what the kubelet does: a plaintext Health/Check without metadata
            HealthGrpc.HealthBlockingStub probe = HealthGrpc.newBlockingStub(plain)
                    .withDeadlineAfter(30, TimeUnit.SECONDS);
            assertEquals(ServingStatus.SERVING, probe.check(HealthCheckRequest.newBuilder().setService(service)
                    .build()).getStatus());
            // nothing else is served there
            ManagedChannel p = plain;
            assertEquals(Status.Code.UNIMPLEMENTED, assertThrows(StatusRuntimeException.class, () ->
                    ParameterServerGrpc.newBlockingStub(p).withDeadlineAfter(30, TimeUnit.SECONDS)
                            .status(StatusRequest.getDefaultInstance())).getStatus().getCode());
            assertEquals(Status.Code.UNIMPLEMENTED, assertThrows(StatusRuntimeException.class, () ->
                    HealthGrpc.newBlockingStub(p).withDeadlineAfter(30, TimeUnit.SECONDS)
                            .watch(HealthCheckRequest.getDefaultInstance()).next()).getStatus().getCode());
            // the training port still demands TLS and the token, for the health service too
            secure = NettyChannelBuilder.forAddress("127.0.0.1", ports[0]).negotiationType(NegotiationType.TLS)
                    .sslContext(GrpcSslContexts.forClient().trustManager(tls[0].toFile()).build()).build();
            ManagedChannel s = secure;
            assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class, () ->
                    HealthGrpc.newBlockingStub(s).withDeadlineAfter(30, TimeUnit.SECONDS)
                            .check(HealthCheckRequest.getDefaultInstance())).getStatus().getCode());
        } finally {
            if (plain != null) {
                plain.shutdownNow();
            }
            if (secure != null) {
                secure.shutdownNow();
            }
            server.destroy();
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor();
            }
        }
    }

    /** The training port and the probe port, from the server's first lines. */
    private static int[] awaitPorts(Process server, Path log) throws Exception {
        Pattern listening = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
        Pattern probes = Pattern.compile("health probes on 127\\.0\\.0\\.1:(\\d+)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String text = Files.readString(log);
            Matcher a = listening.matcher(text);
            Matcher b = probes.matcher(text);
            if (a.find() && b.find()) {
                return new int[] {Integer.parseInt(a.group(1)), Integer.parseInt(b.group(1))};
            }
            assertTrue(server.isAlive(), "the server exited: " + text);
            Thread.sleep(50);
        }
        throw new AssertionError("the server did not print its ports: " + Files.readString(log));
    }
}

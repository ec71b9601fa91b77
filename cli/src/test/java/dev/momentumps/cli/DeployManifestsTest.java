package dev.momentumps.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.momentumps.server.grpc.Tokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The Kubernetes manifests and the Dockerfile in src/deploy parse and agree with the real command line. */
class DeployManifestsTest {
    private static Path deploy;
    private static final Map<String, JsonNode> byKind = new HashMap<>();

    @BeforeAll
    static void read() throws IOException {
        deploy = Path.of(System.getProperty("mps.project.dir", ".."), "src", "deploy");
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (Stream<Path> files = Files.list(deploy.resolve("k8s"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (MappingIterator<JsonNode> docs = yaml.readerFor(JsonNode.class).readValues(f.toFile())) {
                    while (docs.hasNext()) {
                        JsonNode d = docs.next();
                        assertTrue(d.hasNonNull("apiVersion") && d.hasNonNull("kind")
                                && d.path("metadata").hasNonNull("name"), f + ": a document without apiVersion, kind "
                                + "or metadata.name");
                        assertFalse(byKind.containsKey(d.get("kind").asText()), "two " + d.get("kind") + "s");
                        byKind.put(d.get("kind").asText(), d);
                    }
                }
            }
        }
        assertEquals(Set.of("Service", "StatefulSet", "Job", "Secret"), byKind.keySet());
    }

    private static JsonNode container(String kind) {
        JsonNode cs = byKind.get(kind).at("/spec/template/spec/containers");
        assertEquals(1, cs.size(), kind + " has one container");
        return cs.get(0);
    }

    private static List<String> args(JsonNode container) {
        List<String> a = new ArrayList<>();
        container.get("args").forEach(n -> a.add(n.asText()));
        return a;
    }

    private static String env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (e.get("name").asText().equals(name)) {
                return e.has("value") ? e.get("value").asText() : null;
            }
        }
        throw new AssertionError("no env " + name + " in " + container.get("name"));
    }

    /** The value after {@code flag} in args. */
    private static String arg(List<String> args, String flag) {
        int i = args.indexOf(flag);
        assertTrue(i >= 0 && i + 1 < args.size(), "no " + flag + " in " + args);
        return args.get(i + 1);
    }

    /** Every --flag of the container exists on the subcommand, every MPS_ variable is one the command reads. */
    private static void agreesWithCommand(JsonNode container) {
        List<String> args = args(container);
        CommandLine sub = Main.commandLine().getSubcommands().get(args.get(0));
        assertNotNull(sub, "no subcommand " + args.get(0));
        StringBuilder envDefaults = new StringBuilder();
        for (OptionSpec o : sub.getCommandSpec().options()) {
            // the annotation's text, before picocli replaces ${env:NAME:-x} with its value
            if (o.userObject() instanceof java.lang.reflect.Field f) {
                envDefaults.append(f.getAnnotation(CommandLine.Option.class).defaultValue()).append(' ');
            }
        }
        for (String a : args.subList(1, args.size())) {
            if (!a.startsWith("--")) {
                continue;
            }
            String flag = a.split("=", 2)[0];
            assertNotNull(sub.getCommandSpec().findOption(flag), "mps " + args.get(0) + " has no option " + flag);
        }
        for (JsonNode e : container.path("env")) {
            String name = e.get("name").asText();
            if (name.startsWith("MPS_")) {
                // picocli reads most variables as an option's default; the token is read by the security
                // options (Tokens.load), which a command has when it has --token-file
                boolean read = envDefaults.indexOf("${env:" + name + ":") >= 0
                        || name.equals(Tokens.ENV) && sub.getCommandSpec().findOption("--token-file") != null;
                assertTrue(read, "mps " + args.get(0) + " reads no environment variable " + name);
            }
        }
    }

    @Test
    void prometheusScrapesTheServersMetricsPort() {
        JsonNode sts = byKind.get("StatefulSet");
        JsonNode annotations = sts.at("/spec/template/metadata/annotations");
        JsonNode c = sts.at("/spec/template/spec/containers/0");
        assertEquals("true", annotations.path("prometheus.io/scrape").asText());
        assertEquals("/metrics", annotations.path("prometheus.io/path").asText());
        String port = annotations.path("prometheus.io/port").asText();
        assertEquals(port, arg(args(c), "--dashboard"), "the scraped port is where the server serves /metrics");
        assertEquals("0.0.0.0", arg(args(c), "--dashboard-host"), "reachable from outside the pod");
        boolean declared = false;
        for (JsonNode p : c.path("ports")) {
            declared |= p.path("containerPort").asText().equals(port);
        }
        assertTrue(declared, "the container declares port " + port);
    }

    @Test
    void serverShardsAreAStatefulSetBehindAHeadlessServiceOnTheServersPort() {
        JsonNode svc = byKind.get("Service");
        JsonNode sts = byKind.get("StatefulSet");
        JsonNode c = container("StatefulSet");
        agreesWithCommand(c);
        assertEquals("server", args(c).get(0));
        assertEquals("None", svc.at("/spec/clusterIP").asText(), "the Service must be headless");
        assertEquals(svc.at("/metadata/name").asText(), sts.at("/spec/serviceName").asText());
        assertEquals(svc.at("/spec/selector"), sts.at("/spec/template/metadata/labels"));
        int port = Integer.parseInt(env(c, "MPS_PORT"));
        assertEquals(port, c.at("/ports/0/containerPort").asInt());
        assertEquals(port, svc.at("/spec/ports/0/port").asInt());
        // the probes call the plaintext, token-free probe port (ProbePortTest runs them against such a server)
        int probe = Integer.parseInt(env(c, "MPS_PROBE_PORT"));
        assertTrue(probe != port, "the probe port is not the training port");
        assertEquals(probe, c.at("/ports/1/containerPort").asInt());
        assertEquals(probe, c.at("/readinessProbe/grpc/port").asInt(), "readiness is a gRPC health check");
        assertEquals(probe, c.at("/livenessProbe/grpc/port").asInt(), "liveness is a gRPC health check");
        assertEquals("0.0.0.0", env(c, "MPS_BIND"));
        assertEquals("metadata.labels['apps.kubernetes.io/pod-index']",
                c.path("env").findParent("fieldRef") == null ? null
                        : c.path("env").findValue("fieldPath").asText(), "the shard index is the pod index");
        // MPS_SHARDS names every pod of the StatefulSet, in order, by its stable DNS name
        int replicas = sts.at("/spec/replicas").asInt();
        List<String> expected = new ArrayList<>();
        for (int k = 0; k < replicas; k++) {
            expected.add(sts.at("/metadata/name").asText() + "-" + k + "." + svc.at("/metadata/name").asText() + ":"
                    + port);
        }
        assertEquals(String.join(",", expected), env(c, "MPS_SHARDS"));
        assertTrue(c.at("/resources/requests").has("cpu") && c.at("/resources/limits").has("memory"));
        // checkpoints go to a per-shard PersistentVolumeClaim
        String claim = sts.at("/spec/volumeClaimTemplates/0/metadata/name").asText();
        String dir = arg(args(c), "--checkpoint-dir");
        boolean mounted = false;
        for (JsonNode m : c.path("volumeMounts")) {
            mounted |= m.get("name").asText().equals(claim) && m.get("mountPath").asText().equals(dir);
        }
        assertTrue(mounted, "--checkpoint-dir " + dir + " is not the claim " + claim);
    }

    @Test
    void workersAreAnIndexedJobWhoseIndexIsTheRank() {
        JsonNode job = byKind.get("Job");
        JsonNode c = container("Job");
        agreesWithCommand(c);
        List<String> args = args(c);
        assertEquals("worker", args.get(0));
        assertEquals("Indexed", job.at("/spec/completionMode").asText());
        assertEquals("$(JOB_COMPLETION_INDEX)", arg(args, "--rank"));
        int workers = Integer.parseInt(arg(args, "--workers"));
        assertEquals(workers, job.at("/spec/completions").asInt());
        assertEquals(workers, job.at("/spec/parallelism").asInt(), "a synchronous run needs every worker at once");
        assertEquals(env(container("StatefulSet"), "MPS_SHARDS"), arg(args, "--servers"));
        assertTrue(args.contains("--await-workers"));
    }

    @Test
    void theSecretHoldsTheTokenAndTlsFilesTheContainersUse() {
        JsonNode secret = byKind.get("Secret");
        String name = secret.at("/metadata/name").asText();
        for (String kind : List.of("StatefulSet", "Job")) {
            JsonNode c = container(kind);
            JsonNode vols = byKind.get(kind).at("/spec/template/spec/volumes");
            assertEquals(name, vols.findValue("secretName").asText(), kind + " mounts the Secret");
            String mount = null;
            for (JsonNode m : c.path("volumeMounts")) {
                if (m.get("name").asText().equals(vols.get(0).get("name").asText())) {
                    mount = m.get("mountPath").asText();
                }
            }
            assertNotNull(mount);
            Matcher files = Pattern.compile(Pattern.quote(mount) + "/(\\S+)").matcher(String.join(" ", args(c)));
            while (files.find()) {
                assertTrue(secret.at("/stringData").has(files.group(1)), "the Secret has no key " + files.group(1));
            }
            JsonNode ref = c.path("env").findValue("secretKeyRef");
            assertEquals(name, ref.get("name").asText());
            assertTrue(secret.at("/stringData").has(ref.get("key").asText()));
        }
    }

    /**
     * k8s-standby/pair.yaml: a standby StatefulSet ({@code --as-standby}), a primary StatefulSet whose
     * {@code --standby} names the standby pod by its stable DNS name, both with the same training options,
     * and workers given the primary as {@code --server} and the standby as {@code --failover}.
     */
    @Test
    void thePrimaryAndStandbyPairAgreeWithEachOtherAndTheWorkers() throws IOException {
        Map<String, JsonNode> byName = new HashMap<>();
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (MappingIterator<JsonNode> docs = yaml.readerFor(JsonNode.class)
                .readValues(deploy.resolve("k8s-standby").resolve("pair.yaml").toFile())) {
            while (docs.hasNext()) {
                JsonNode d = docs.next();
                byName.put(d.get("kind").asText() + "/" + d.at("/metadata/name").asText(), d);
            }
        }
        assertEquals(Set.of("Service/mps-primary", "Service/mps-standby", "StatefulSet/mps-primary",
                "StatefulSet/mps-standby", "Job/mps-workers"), byName.keySet());
        JsonNode primary = byName.get("StatefulSet/mps-primary").at("/spec/template/spec/containers/0");
        JsonNode standby = byName.get("StatefulSet/mps-standby").at("/spec/template/spec/containers/0");
        JsonNode worker = byName.get("Job/mps-workers").at("/spec/template/spec/containers/0");
        for (JsonNode c : List.of(primary, standby, worker)) {
            agreesWithCommand(c);
        }
        for (String role : List.of("primary", "standby")) {
            JsonNode sts = byName.get("StatefulSet/mps-" + role);
            JsonNode svc = byName.get("Service/mps-" + role);
            assertEquals(1, sts.at("/spec/replicas").asInt(), "one " + role);
            assertEquals("None", svc.at("/spec/clusterIP").asText());
            assertEquals(svc.at("/metadata/name").asText(), sts.at("/spec/serviceName").asText());
            assertEquals(svc.at("/spec/selector"), sts.at("/spec/template/metadata/labels"));
        }
        String standbyAddress = "mps-standby-0.mps-standby:" + env(standby, "MPS_PORT");
        assertEquals(standbyAddress, env(primary, "MPS_STANDBY"), "the primary replicates to the standby pod");
        assertEquals("true", env(standby, "MPS_AS_STANDBY"));
        assertEquals(standbyAddress, arg(args(worker), "--failover"));
        assertEquals("mps-primary-0.mps-primary:" + env(primary, "MPS_PORT"), arg(args(worker), "--server"));
        // the same training options on both (the standby refuses a primary with others)
        for (String flag : List.of("--mode", "--optimizer", "--lr")) {
            assertEquals(arg(args(primary), flag), arg(args(standby), flag), flag);
        }
        // TLS on the link: the primary checks the standby's certificate
        assertEquals("/etc/mps/ca.crt", arg(args(primary), "--standby-tls-ca"));
        assertEquals(arg(args(primary), "--tls-cert"), arg(args(standby), "--tls-cert"));
    }

    @Test
    void theImageRunsTheShadedJarOnJava17AndExposesTheServerPort() throws IOException {
        String docker = Files.readString(deploy.resolve("Dockerfile"));
        assertTrue(docker.lines().anyMatch(l -> l.startsWith("FROM eclipse-temurin:17-jre")), docker);
        assertTrue(docker.contains("COPY cli/target/mps.jar "), docker);
        assertTrue(docker.contains("EXPOSE " + env(container("StatefulSet"), "MPS_PORT")), docker);
        String image = container("StatefulSet").get("image").asText();
        assertEquals(image, container("Job").get("image").asText());
    }
}

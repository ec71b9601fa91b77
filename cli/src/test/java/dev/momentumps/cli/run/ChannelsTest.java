package dev.momentumps.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.server.grpc.TlsConfig;
import io.grpc.ManagedChannel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A bearer token sent without TLS to another host is warned of, once; loopback and TLS are not. */
class ChannelsTest {
    private static final String TOKEN = "0123456789abcdef0123";

    @Test
    void aTokenInPlaintextToAnotherHostIsWarnedOf() {
        String w = Channels.plaintextTokenWarning("10.1.2.3", TlsConfig.NONE, TOKEN);
        assertTrue(w != null && w.contains("10.1.2.3") && w.contains("without TLS") && w.contains("--tls-ca"), w);
        assertTrue(Channels.plaintextTokenWarning("192.0.2.7", TlsConfig.NONE, TOKEN) != null);
    }

    @Test
    void loopbackTlsOrNoTokenAreNotWarnedOf() {
        assertNull(Channels.plaintextTokenWarning("127.0.0.1", TlsConfig.NONE, TOKEN));
        assertNull(Channels.plaintextTokenWarning("127.0.0.2", TlsConfig.NONE, TOKEN));
        assertNull(Channels.plaintextTokenWarning("::1", TlsConfig.NONE, TOKEN));
        assertNull(Channels.plaintextTokenWarning("localhost", TlsConfig.NONE, TOKEN));
        assertNull(Channels.plaintextTokenWarning("10.1.2.3", TlsConfig.NONE, null));
        assertNull(Channels.plaintextTokenWarning("10.1.2.3", new TlsConfig(null, null, Path.of("ca.pem")), TOKEN));
    }

    @Test
    void theWarningIsPrintedOncePerProcess() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        PrintStream err = System.err;
        System.setErr(out);
        try {
            for (int i = 0; i < 3; i++) {
                ManagedChannel ch = Channels.forAddress("192.0.2.7:7071", "--server", TlsConfig.NONE, TOKEN);
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } finally {
            System.setErr(err);
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, printed.split("without TLS", -1).length - 1, printed);
        assertTrue(printed.contains("192.0.2.7"), printed);
    }
}

package dev.momentumps.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs the real command line in this JVM and captures what it prints. */
final class CliRunner {
    record Result(int exit, String out, String err) {
    }

    private CliRunner() {
    }

    static synchronized Result run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        PrintStream capture = new PrintStream(out, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        cl.setOut(new PrintWriter(capture, true));
        try {
            int code = cl.execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(old);
        }
    }
}

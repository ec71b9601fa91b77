package dev.momentumps.cli.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.momentumps.study.report.Evaluation;
import java.io.BufferedReader;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Evaluates weights with a Python worker script's {@code evaluate(model)}, in one long-lived
 * {@code python3 -m momentumps.evaluate} process: each request is the element count (8 bytes) and the
 * weights (little-endian float32) on its stdin, each answer one JSON line
 * ({@code {"loss": .., "test_loss": .., "accuracy": ..}}) on its stdout.
 */
public final class ScriptEvaluator implements Evaluator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final DataOutputStream in;
    private final BufferedReader out;
    private final String description;
    private ByteBuffer buffer;

    ScriptEvaluator(Process process, String description) {
        this.process = process;
        this.in = new DataOutputStream(process.getOutputStream());
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.description = description;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public synchronized Evaluation evaluate(long version, double seconds, float[] w) throws IOException,
            InterruptedException {
        if (buffer == null || buffer.capacity() != 8 + 4 * w.length) {
            buffer = ByteBuffer.allocate(8 + 4 * w.length).order(ByteOrder.LITTLE_ENDIAN);
        }
        buffer.clear();
        buffer.putLong(w.length);
        buffer.asFloatBuffer().put(w);
        in.write(buffer.array(), 0, buffer.capacity());
        in.flush();
        String line = out.readLine();
        if (line == null) {
            boolean ended = process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
            throw new IOException("the Python evaluator (python3 -m momentumps.evaluate) stopped answering"
                    + (ended ? " and exited with code " + process.exitValue() : ""));
        }
        JsonNode r = JSON.readTree(line);
        return new Evaluation(version, seconds, number(r, "loss"), number(r, "test_loss"), number(r, "accuracy"));
    }

    private static double number(JsonNode r, String field) {
        JsonNode v = r.get(field);
        return v == null || v.isNull() ? Double.NaN : v.asDouble();
    }

    @Override
    public void close() throws Exception {
        in.close();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}

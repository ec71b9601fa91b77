package dev.momentumps.study.report;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Joins the server's per-update lines with the full-training-loss evaluations taken during the run into
 * {@code metrics.csv}: each evaluation lands in the {@code train_loss} and {@code test_loss} columns
 * (empty without a test split) of the update it was taken at.
 */
public final class MetricsMerge {
    private MetricsMerge() {
    }

    /** @param evaluations in increasing version order */
    public static void merge(Path updates, List<Evaluation> evaluations, Path metrics) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(updates); BufferedWriter out = Files.newBufferedWriter(metrics)) {
            String header = in.readLine();
            if (header == null) {
                header = MetricsCsv.HEADER;
            }
            out.write(header + ",train_loss,test_loss");
            out.newLine();
            int next = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                int comma = line.indexOf(',');
                if (comma <= 0 || line.chars().filter(c -> c == ',').count() < 4) {
                    continue; // a line torn when a killed server's buffer was cut off
                }
                long update = Long.parseLong(line.substring(0, comma));
                String loss = ",";
                while (next < evaluations.size() && evaluations.get(next).version() <= update) {
                    if (evaluations.get(next).version() == update) {
                        Evaluation e = evaluations.get(next);
                        loss = e.trainLoss() + "," + (Double.isNaN(e.testLoss()) ? "" : Double.toString(e.testLoss()));
                    }
                    next++;
                }
                out.write(line);
                out.write(',');
                out.write(loss);
                out.newLine();
            }
        }
    }
}

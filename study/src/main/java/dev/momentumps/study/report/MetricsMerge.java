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
 * (empty without a test split) of the update it was taken at. An evaluation at a version no line has (update
 * 0: the weights the server started from, before any gradient) is a line of its own, with no worker, staleness,
 * minibatch loss or gap: {@code 0,1.25,,,,,2.30,2.31}; its time is the evaluation's, or the next line's when that is
 * earlier (a server process counts from its own start, later than mps train's).
 */
public final class MetricsMerge {
    private MetricsMerge() {
    }

    private static double wallSeconds(String line) {
        String[] f = line.split(",", 3);
        try {
            return Double.parseDouble(f[1]);
        } catch (NumberFormatException e) {
            return Double.POSITIVE_INFINITY;
        }
    }

    private static String losses(Evaluation e) {
        return e.trainLoss() + "," + (Double.isNaN(e.testLoss()) ? "" : Double.toString(e.testLoss()));
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
            int commas = (int) header.chars().filter(c -> c == ',').count();
            String blanks = ",".repeat(commas); // worker, staleness, ... empty
            int next = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                int comma = line.indexOf(',');
                if (comma <= 0 || line.chars().filter(c -> c == ',').count() < commas) {
                    continue; // a line torn when a killed server's buffer was cut off
                }
                long update = Long.parseLong(line.substring(0, comma));
                String loss = ",";
                while (next < evaluations.size() && evaluations.get(next).version() <= update) {
                    Evaluation e = evaluations.get(next);
                    if (e.version() == update) {
                        loss = losses(e);
                    } else {
                        // no later than this line: a server process's clock starts after mps train's
                        double seconds = Math.min(e.seconds(), wallSeconds(line));
                        out.write(e.version() + "," + String.format(java.util.Locale.ROOT, "%.6f", seconds)
                                + blanks + losses(e));
                        out.newLine();
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

package dev.momentumps.cli.run;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The updates a server restart lost, as the workers see them. The process watching the run only sees the
 * versions it asks for now and then, so after a restart it cannot know how far the dead server got; each
 * worker can: when it registers again it logs the version it last saw and the version the restarted server
 * resumed at (Java and Python workers write the same line). This reads the new lines of the workers' logs
 * and reports the largest loss since the last restart, each time a worker reports a larger one.
 */
final class RestartLosses {
    /** The line a worker logs when it has registered again (ReconnectingParameterClient, momentumps.training). */
    static final Pattern RECONNECTED = Pattern.compile("registered again \\(worker id \\d+\\) at server version "
            + "(\\d+); this worker last saw (\\d+), so at least (\\d+) updates were lost");

    private final Map<Path, Long> read = new HashMap<>();
    private long reported = -1;

    /**
     * A server was restarted: the losses reported from now on are this restart's, and only those larger than
     * {@code known} (what the watching process saw itself) are news.
     */
    void restarted(long known) {
        reported = known;
    }

    /**
     * Reads what the logs gained since the last call (whole lines only) and returns a line for each worker
     * that reports a larger loss than any reported since the last restart.
     */
    List<String> scan(List<Path> logs) throws IOException {
        List<String> out = new ArrayList<>();
        for (int rank = 0; rank < logs.size(); rank++) {
            for (String line : newLines(logs.get(rank))) {
                Matcher m = RECONNECTED.matcher(line);
                if (m.find()) {
                    long lost = Long.parseLong(m.group(3));
                    if (lost > reported) {
                        reported = lost;
                        out.add("worker " + rank + " reconnected at server version " + m.group(1) + " after it saw "
                                + "version " + m.group(2) + ": at least " + lost + " updates lost in the restart");
                    }
                }
            }
        }
        return out;
    }

    /** The complete lines {@code log} gained since it was last read. */
    private List<String> newLines(Path log) throws IOException {
        if (!Files.isRegularFile(log)) {
            return List.of();
        }
        long from = read.getOrDefault(log, 0L);
        byte[] bytes;
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long size = f.length();
            if (size <= from) {
                return List.of();
            }
            bytes = new byte[(int) Math.min(size - from, 1 << 24)];
            f.seek(from);
            f.readFully(bytes);
        }
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
            end--;
        }
        read.put(log, from + end);
        if (end == 0) {
            return List.of();
        }
        return List.of(new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n"));
    }
}

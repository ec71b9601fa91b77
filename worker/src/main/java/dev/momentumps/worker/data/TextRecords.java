package dev.momentumps.worker.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the data lines of a text file within a {@link LineRange}, tracking 1-based line numbers. Blank lines
 * and comment lines (first non-space character {@code #}) are skipped and not counted in the range.
 */
final class TextRecords {

    /** Receives one data line. */
    interface Handler {
        void line(String text, long lineNumber);
    }

    private TextRecords() {
    }

    /** The file name used in error messages. */
    static String name(Path file) {
        Path name = file.getFileName();
        return name == null ? file.toString() : name.toString();
    }

    /**
     * Calls {@code handler} for each data line in {@code range}; with {@code header} the first
     * non-blank line is skipped (and not counted in the range). Returns the header line, or null.
     */
    static String read(Path file, boolean header, LineRange range, Handler handler) {
        String headerLine = null;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            long lineNumber = 0;
            long record = 0;
            boolean headerPending = header;
            String text;
            while ((text = in.readLine()) != null) {
                lineNumber++;
                if (text.isBlank() || text.stripLeading().startsWith("#")) {
                    continue;
                }
                if (headerPending) {
                    headerPending = false;
                    headerLine = text;
                    continue;
                }
                if (record >= range.to()) {
                    break;
                }
                if (range.contains(record)) {
                    handler.line(text, lineNumber);
                }
                record++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return headerLine;
    }

    /** Parses a float, or throws a {@link DataFormatException} at that position. */
    static float parseFloat(String token, String file, long line, int column) {
        try {
            float v = Float.parseFloat(token);
            if (!Float.isFinite(v)) {
                throw new DataFormatException(file, line, column, "not a finite number: '" + token + "'");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new DataFormatException(file, line, column, "not a number: '" + token + "'");
        }
    }

    /** Rejects a file (or range) that held no data lines. */
    static void requireData(String file, int records, LineRange range) {
        if (records == 0) {
            throw new IllegalArgumentException(file + ": no data lines"
                    + (range.equals(LineRange.all()) ? "" : " in " + range));
        }
    }
}

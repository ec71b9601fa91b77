package dev.momentumps.worker.data;

import java.util.regex.Pattern;

/** How the fields of a delimited text line are separated. */
public enum Delimiter {
    /**
     * Decide from the first data line: a comma means COMMA; else tabs and no inner spaces mean TAB;
     * else WHITESPACE.
     */
    AUTO,
    /** One comma between fields; spaces around a field are ignored. */
    COMMA,
    /** One tab between fields; spaces around a field are ignored. */
    TAB,
    /** Runs of spaces and tabs; leading and trailing whitespace is ignored. */
    WHITESPACE;

    private static final Pattern WHITESPACE_RUN = Pattern.compile("\\s+");

    /** The concrete delimiter for {@code line} (itself unless AUTO). */
    Delimiter resolve(String line) {
        if (this != AUTO) {
            return this;
        }
        if (line.indexOf(',') >= 0) {
            return COMMA;
        }
        String inner = line.strip();
        return inner.indexOf('\t') >= 0 && inner.indexOf(' ') < 0 ? TAB : WHITESPACE;
    }

    /** The fields of {@code line}, trimmed. Only for resolved delimiters. */
    String[] split(String line) {
        switch (this) {
            case COMMA:
            case TAB: {
                String[] fields = line.split(this == COMMA ? "," : "\t", -1);
                for (int i = 0; i < fields.length; i++) {
                    fields[i] = fields[i].strip();
                }
                return fields;
            }
            case WHITESPACE:
                return WHITESPACE_RUN.split(line.strip());
            default:
                throw new IllegalStateException("resolve the delimiter first");
        }
    }
}

package dev.momentumps.server.grpc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the shared bearer token comes from: a file (first line, surrounding white space trimmed) or an
 * environment variable — never a command-line value, which {@code ps} would show to every user.
 */
public final class Tokens {
    /** The environment variable read when no token file is given. */
    public static final String ENV = "MPS_TOKEN";

    private Tokens() {
    }

    /**
     * The token from {@code file} if given, else from {@code env}'s {@link #ENV}; null if neither is set.
     *
     * @throws IllegalArgumentException naming the file or variable when it is unreadable or empty
     */
    public static String load(Path file, Map<String, String> env) {
        if (file != null) {
            String t;
            try {
                t = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException("--token-file " + file + ": cannot read it (" + e.getMessage() + ")");
            }
            int nl = t.indexOf('\n');
            return requireValid((nl < 0 ? t : t.substring(0, nl)).strip(), "--token-file " + file);
        }
        String t = env.get(ENV);
        return t == null ? null : requireValid(t.strip(), "environment variable " + ENV);
    }

    /** A usable token: at least 16 printable ASCII characters without spaces (it travels in a header). */
    static String requireValid(String token, String where) {
        if (token == null || token.length() < 16) {
            throw new IllegalArgumentException(where + ": the token must have at least 16 characters");
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c <= ' ' || c > '~') {
                throw new IllegalArgumentException(where + ": the token must be printable ASCII without spaces "
                        + "(character " + (i + 1) + " is not)");
            }
        }
        return token;
    }
}

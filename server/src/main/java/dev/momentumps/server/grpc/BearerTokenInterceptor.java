package dev.momentumps.server.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Checks the shared bearer token on every call ({@code authorization: Bearer <token>}) before the service
 * sees it: a missing or wrong token ends the call with UNAUTHENTICATED and nothing reaches the core. The
 * comparison takes the same time whatever the token (no timing leak).
 */
public final class BearerTokenInterceptor implements ServerInterceptor {
    public static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    public static final String SCHEME = "Bearer ";
    private final byte[] expected;

    public BearerTokenInterceptor(String token) {
        this.expected = Tokens.requireValid(token, "token").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        String value = headers.get(AUTHORIZATION);
        String why = null;
        if (value == null) {
            why = "missing bearer token (authorization header)";
        } else if (!value.startsWith(SCHEME)
                || !MessageDigest.isEqual(expected, value.substring(SCHEME.length()).getBytes(StandardCharsets.UTF_8))) {
            why = "wrong bearer token";
        }
        if (why != null) {
            call.close(Status.UNAUTHENTICATED.withDescription(why), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        return next.startCall(call, headers);
    }
}

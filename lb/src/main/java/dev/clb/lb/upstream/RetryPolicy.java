package dev.clb.lb.upstream;

import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.util.Set;

/**
 * When a request that failed on a replica is sent again, in one place (as HAProxy's {@code retry-on} and Envoy's
 * retry policy are): on a fresh connection to the same replica, on the next replica, or not at all. A request is sent
 * again only where the replica cannot have acted on it, or where acting twice is harmless, and only while its body is
 * still kept.
 */
public final class RetryPolicy {
    /** Methods that may be sent again after a failure that may have reached the replica. */
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.TRACE,
            HttpMethod.PUT, HttpMethod.DELETE);

    /** What becomes of a request whose attempt failed. */
    public enum AfterFailure {
        /** Sent to the next replica in the ring's fallback order. */
        NEXT_REPLICA,
        /** Not sent again: its body was larger than what is kept, and part of it is gone. */
        BODY_NOT_KEPT,
        /** Not sent again: the replica may have acted on it, and acting twice may not be harmless. */
        NOT_IDEMPOTENT
    }

    private RetryPolicy() {
    }

    public static boolean idempotent(HttpMethod method) {
        return IDEMPOTENT.contains(method);
    }

    /**
     * Whether a request sent on a pooled connection that the replica had closed meanwhile (an I/O failure before any
     * answer) goes again on a fresh connection to the same replica: it was not written yet, or may be sent twice.
     */
    static boolean againOnFreshConnection(boolean pooledConnection, boolean answerBegan, Throwable cause, boolean written,
                                          boolean idempotent, boolean bodyKept) {
        return pooledConnection && !answerBegan && cause instanceof IOException && (!written || idempotent) && bodyKept;
    }

    /** After a failed attempt; {@code neverReached}: the replica refused the connection, so it saw nothing. */
    public static AfterFailure afterFailure(boolean bodyKept, boolean idempotent, boolean neverReached) {
        if (!bodyKept) return AfterFailure.BODY_NOT_KEPT;
        return idempotent || neverReached ? AfterFailure.NEXT_REPLICA : AfterFailure.NOT_IDEMPOTENT;
    }

    /**
     * Whether an attempt may be given up at a deadline shorter than the timeout, for the next replica: only the first,
     * of a request that can go elsewhere (idempotent, body kept, another replica there).
     */
    public static boolean mayLeaveEarly(int attempt, boolean idempotent, boolean bodyKept, int replicas) {
        return attempt == 1 && idempotent && bodyKept && replicas >= 2;
    }
}

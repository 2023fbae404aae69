package dev.clb.analyzer.traffic;

/**
 * What became of one request.
 *
 * @param sentNanos when it was handed to the client (which may queue it until a slot in flight is free), in nanoseconds since its run started
 * @param doneNanos when it completed, in nanoseconds since its run started
 * @param status    HTTP status, 0 when no answer came
 * @param server    the replica named in a successful {@code /home} answer, else null
 * @param error     why it failed, else null
 */
public record Outcome(long requestId, long sentNanos, long doneNanos, int status, String server, String error) {
    public boolean ok() {
        return server != null;
    }
}

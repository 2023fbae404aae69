package dev.clb.lb.proxy;

import dev.clb.lb.upstream.UpstreamPool;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;

/**
 * A request body as it flows to the replica: the pieces are kept while they fit in {@code limit} bytes, so that another
 * attempt can send them again; past the limit they are let go once sent, and the request can no longer be retried.
 * Pieces that come before a connection is ready wait here whatever their size (the caller stops reading meanwhile).
 */
final class RequestBody {
    private final int limit;
    private ArrayDeque<HttpContent> kept;
    private long bytes;
    private boolean replayable = true;
    private boolean complete;
    private boolean keptLast;

    RequestBody(int limit) {
        this.limit = limit;
    }

    /** A piece from the client, to go to {@code to} (null while no connection is ready). */
    void add(HttpContent piece, UpstreamPool.Call to) {
        bytes += piece.content().readableBytes();
        boolean last = piece instanceof LastHttpContent;
        complete |= last;
        if (bytes > limit && replayable) {
            replayable = false;
            if (to != null) release(); // every piece kept so far has gone to the connection already
        }
        if (to == null) {
            keep(piece, last);
        } else if (replayable) {
            keep(piece, last);
            to.write(piece.retainedDuplicate());
        } else {
            to.write(piece);
        }
    }

    /** Everything received so far, to a new connection. */
    void replay(UpstreamPool.Call to) {
        boolean lastSent = keptLast;
        if (kept != null) {
            if (replayable) {
                for (HttpContent piece : kept) to.write(piece.retainedDuplicate());
            } else {
                HttpContent piece;
                while ((piece = kept.poll()) != null) to.write(piece);
                keptLast = false;
            }
        }
        if (complete && !lastSent) to.write(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    private void keep(HttpContent piece, boolean last) {
        if (piece == LastHttpContent.EMPTY_LAST_CONTENT) return; // what complete says
        if (kept == null) kept = new ArrayDeque<>();
        kept.add(piece);
        keptLast = last;
    }

    boolean replayable() {
        return replayable;
    }

    boolean complete() {
        return complete;
    }

    /** Bytes received so far. */
    long bytes() {
        return bytes;
    }

    void release() {
        if (kept == null) return;
        HttpContent piece;
        while ((piece = kept.poll()) != null) piece.release();
        keptLast = false;
    }
}

package dev.clb.lb.backend;

import io.netty.channel.Channel;
import java.util.ArrayDeque;

/**
 * A replica's state on one event loop: its idle keep-alive connections there, how fast it answered there and whether it
 * seems hung there. Confined to that loop, as the connections are: nothing here is locked.
 */
public final class ReplicaLoop {
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();
    private final LatencyWindow latency = new LatencyWindow();
    private final HungTracking hung = new HungTracking();
    /** False once the loop's pool saw it leave the ring: a connection given back is then closed, not kept. */
    private boolean pooled = true;

    public LatencyWindow latency() {
        return latency;
    }

    public HungTracking hung() {
        return hung;
    }

    /** The most recently used idle connection that is still open, if any. */
    public Channel takeIdle() {
        Channel channel;
        while ((channel = idle.pollLast()) != null) {
            if (channel.isActive()) return channel;
        }
        return null;
    }

    /** Keeps {@code channel} for the next request, unless the replica left the ring or {@code max} are kept already: then it closes. */
    public void giveBack(Channel channel, int max) {
        if (pooled && idle.size() < max) {
            channel.config().setAutoRead(true);
            idle.addLast(channel);
        } else {
            channel.close();
        }
    }

    /** Closes the idle connections (likely closed by the replica too, after one turned out to be). */
    public void closeIdle() {
        Channel channel;
        while ((channel = idle.poll()) != null) channel.close();
    }

    /** The pool saw it leave the ring: its idle connections close, and so will those given back later. */
    public void left() {
        pooled = false;
        closeIdle();
    }

    /** The pool sees it in the ring (again, for a static backend back from the dead). */
    public void joined() {
        pooled = true;
    }
}

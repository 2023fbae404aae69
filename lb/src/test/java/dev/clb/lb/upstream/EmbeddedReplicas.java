package dev.clb.lb.upstream;

import dev.clb.lb.backend.Backend;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Queue;
import java.util.Set;

/**
 * The replicas' side of an {@link UpstreamPool}, in memory: the pool opens its connections as {@link ReplicaConnection}s
 * on its own event loop (the test's), through its own Bootstrap; the test reads what the pool sent on each and has the
 * replica answer. A replica can accept no connection: its connects never complete, as when a hung replica's accept
 * queue is full.
 */
public final class EmbeddedReplicas {
    private final Queue<ReplicaConnection> accepted = new ArrayDeque<>();
    private final Set<Integer> acceptingNone = new HashSet<>();
    private int connects;
    private final ReplicaFactory made = new ReplicaFactory(1, new SimpleMeterRegistry());
    private int nextPort = 10_001;

    /** A replica, with a slot for one event loop (slot 0); its port tells its connections apart from other replicas'. */
    public Replica replica(String hostname) {
        return made.of(new Backend(hostname, "127.0.0.1", nextPort++));
    }

    /** The admin server, as the proxy reaches it. */
    public Replica admin() {
        return made.admin(1);
    }

    /** How the pool opens connections: a {@link ReplicaConnection} each, no name resolution (the address is only a label here). */
    public Bootstrap transport() {
        return new Bootstrap().channelFactory(() -> new ReplicaConnection(this::accepts)).disableResolver();
    }

    /** From now on connects to {@code replica} never complete. */
    public void acceptNone(Replica replica) {
        acceptingNone.add(replica.address().port());
    }

    /** The connection accepted next (in order) that the test has not taken yet. */
    public ReplicaConnection next() {
        ReplicaConnection connection = accepted.poll();
        if (connection == null) throw new AssertionError("no further connection was accepted");
        return connection;
    }

    /** Connects the pool made so far, accepted or not. */
    public int connects() {
        return connects;
    }

    private boolean accepts(ReplicaConnection connection) {
        connects++;
        if (acceptingNone.contains(((InetSocketAddress) connection.connectingTo()).getPort())) return false;
        accepted.add(connection);
        return true;
    }
}

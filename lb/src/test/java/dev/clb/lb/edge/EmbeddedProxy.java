package dev.clb.lb.edge;

import dev.clb.lb.upstream.EmbeddedReplicas;
import dev.clb.lb.proxy.ForwardedHeaders;
import dev.clb.lb.proxy.ProxyEvents;
import dev.clb.lb.proxy.ProxyHandler;
import dev.clb.lb.proxy.ProxyRoutes;
import dev.clb.lb.proxy.RequestPolicy;
import dev.clb.lb.proxy.ProxySettings;
import dev.clb.lb.upstream.UpstreamPool;
import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.RingFullException;
import dev.clb.lb.backend.OutlierDetection;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.core.ReplicaChooser;
import dev.clb.lb.events.MembershipEvents;
import dev.clb.lb.health.FakeHeartbeatProbe;
import dev.clb.lb.health.HeartbeatMonitor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;

/**
 * One client connection to the public port, in memory: the client edge's handlers and the proxy as {@link ProxyServer}
 * sets them up, on a {@link ClientConnection} whose event loop runs on a {@link MockTicker} that the test moves; the
 * proxy's pool opens its connections to the one replica on the same loop ({@link EmbeddedReplicas}). Nothing runs but
 * what the test triggers, and no time passes but what it advances, a millisecond at a time, as a loop would see it.
 *
 * <p>Once the client connection is closed through {@code Channel.close()} (as a {@code ChannelFutureListener.CLOSE}
 * does), EmbeddedChannel cancels every timer on the loop: what a test checks after that is only that it ended.
 */
final class EmbeddedProxy implements AutoCloseable {
    private static final long PROXY_TIMEOUT_MILLIS = 30_000;

    /** One answer as the client reads it. */
    record Answer(int status, HttpHeaders headers, String body) {
    }

    final MockTicker clock = Ticker.newMockTicker();
    final EmbeddedReplicas replicas = new EmbeddedReplicas();
    final Replica replica = replicas.replica("server-1");
    /** A second replica, in the ring only of a connection made {@link #withOutlierDetection}. */
    final Replica other = replicas.replica("server-2");
    final Ring<Replica> ring;
    final Drain drain;
    final ClientConnection client;
    private final HeartbeatMonitor monitor = new HeartbeatMonitor(new HeartbeatMonitor.Settings(Duration.ofSeconds(1), Duration.ofSeconds(1), 3),
            new FakeHeartbeatProbe(), List::of, (backend, reason) -> { }, MembershipEvents.NONE);
    private final EmbeddedChannel answers = new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(1 << 20));
    private final StringBuilder received = new StringBuilder();

    EmbeddedProxy(ClientLimits limits) throws RingFullException {
        this(limits, new Drain());
    }

    /** A connection accepted by a port that drains with {@code drain}. */
    EmbeddedProxy(ClientLimits limits, Drain drain) throws RingFullException {
        this(limits, drain, Optional.empty(), Optional.empty(), OutlierDetection.Settings.OFF, false);
    }

    /** A connection from {@code peer} to a port whose requests pass {@code rateLimit}. */
    EmbeddedProxy(ClientLimits limits, RateLimit rateLimit, InetSocketAddress peer) throws RingFullException {
        this(limits, new Drain(), Optional.of(rateLimit), Optional.of(peer), OutlierDetection.Settings.OFF, false);
    }

    /** A connection to a port whose ring holds {@link #replica} and {@link #other}, their answers counted by {@code outliers}. */
    static EmbeddedProxy withOutlierDetection(ClientLimits limits, OutlierDetection.Settings outliers) throws RingFullException {
        return new EmbeddedProxy(limits, new Drain(), Optional.empty(), Optional.empty(), outliers, true);
    }

    private EmbeddedProxy(ClientLimits limits, Drain drain, Optional<RateLimit> rateLimit, Optional<InetSocketAddress> peer,
                          OutlierDetection.Settings outliers, boolean withOther) throws RingFullException {
        this.drain = drain;
        ConsistentHashMap<Replica> map = new ConsistentHashMap<>(RingConfig.defaults());
        map.add(replica.hostname(), replica);
        if (withOther) map.add(other.hostname(), other);
        ring = map.ring();
        RequestPolicy policy = new RequestPolicy(PROXY_TIMEOUT_MILLIS, ReplicaChooser.of(OptionalDouble.empty(), () -> 0, () -> Duration.ZERO),
                new OutlierDetection(outliers, replica -> { }), new ProxySettings(64 * 1024, ForwardedHeaders.REPLACE, 60_000, 0), ProxyEvents.NONE);
        ProxyRoutes routes = new ProxyRoutes(() -> ring, monitor, replicas.admin(), () -> policy);
        EdgePolicy edgePolicy = new EdgePolicy(limits, rateLimit);
        ClientEdge edge = new ClientEdge(() -> edgePolicy, drain);
        client = new ClientConnection(EmbeddedChannel.builder().ticker(clock).handlers(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                UpstreamPool pool = new UpstreamPool(ch.eventLoop(), 0, replicas.transport(), 2_000);
                edge.addTo(ch.pipeline(), false);
                ch.pipeline().addLast(new ProxyHandler(routes, pool, ClientSide.PLAIN));
            }
        }), peer);
    }

    /** The body of the load balancer's own answers. */
    static String error(String message) {
        return "{\"message\": \"<Error> " + message + "\", \"status\": \"failure\"}";
    }

    /** The client sends {@code bytes}: one read on the load balancer's side. */
    void send(String bytes) {
        client.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
    }

    /** Time passes on the event loop: {@code millis} later, each timer run at the millisecond it was due. */
    void advance(long millis) {
        for (long ms = 0; ms < millis; ms++) {
            clock.advance(1, TimeUnit.MILLISECONDS);
            client.runPendingTasks();
        }
    }

    /** The whole answers the client received since the last call. */
    List<Answer> answers() {
        client.runPendingTasks();
        ByteBuf written;
        while ((written = client.readOutbound()) != null) {
            received.append(written.toString(StandardCharsets.ISO_8859_1));
            answers.writeInbound(written);
        }
        List<Answer> whole = new ArrayList<>();
        FullHttpResponse response;
        while ((response = answers.readInbound()) != null) {
            whole.add(new Answer(response.status().code(), response.headers(), response.content().toString(StandardCharsets.UTF_8)));
            response.release();
        }
        return whole;
    }

    /** Every byte the client received, as text, up to the last {@link #answers} call. */
    String received() {
        return received.toString();
    }

    @Override
    public void close() {
        monitor.close();
        client.finishAndReleaseAll();
        answers.releaseInbound(); // not finished: an answer cut short would fail it
    }
}

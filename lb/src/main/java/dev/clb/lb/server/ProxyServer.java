package dev.clb.lb.server;

import dev.clb.lb.edge.AlpnSwitch;
import dev.clb.lb.edge.ClientEdge;
import dev.clb.lb.edge.ClientSide;
import dev.clb.lb.edge.Drain;
import dev.clb.lb.edge.Http2Edge;
import dev.clb.lb.edge.PriorKnowledge;
import dev.clb.lb.proxy.ProxyHandler;
import dev.clb.lb.proxy.ProxyRoutes;
import dev.clb.lb.edge.RequestHandlers;
import dev.clb.lb.upstream.UpstreamPool;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The public ports: a few event loops (one per core by default), each serving its client connections and
 * owning an {@link UpstreamPool} of replica connections for them, and a thread of its own that accepts
 * connections and hands each to a loop: on a loop busy with traffic, a burst of connections (1000 at once)
 * waited in the accept queue with their requests, and some of them past the clients' 2 s timeouts. The loops
 * talk to the kernel through the {@link Transport} chosen. The plain port speaks HTTP/1 and h2c with prior knowledge;
 * the TLS port, when there is one, the same behind TLS, with ALPN choosing h2 or http/1.1. Both share the loops, the
 * pools, the connection limit, the rate limit's table and the drain.
 */
final class ProxyServer implements AutoCloseable {
    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    /** The largest ClientHello read to find the SNI name, as Netty's default. */
    private static final int MAX_CLIENT_HELLO_BYTES = 16 * 1024;
    /**
     * Bytes queued for a peer before the other side stops being read, and when it is read again: per exchange memory is
     * about the high mark plus one read; wider than Netty's 32/64 KiB so that a large body toggles reading less often.
     */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(128 * 1024, 512 * 1024);
    /**
     * How much one read may take: Netty's adaptive guess, from 16 KiB up to 256 KiB (its default stops at 64 KiB), so that
     * a large body crosses in fewer, larger reads and writes; small requests shrink it back. In side-by-side runs of the
     * large-body benchmark: 0.89 and 0.93 of nginx's MiB/s down and up against 0.86 and 0.84 with Netty's default.
     */
    private static final AdaptiveRecvByteBufAllocator READS = new AdaptiveRecvByteBufAllocator(64, 16 * 1024, 256 * 1024);

    private final EventLoopGroup acceptor;
    private final EventLoopGroup loops;
    private final Channel listener;
    private final Optional<Channel> tlsListener;
    private final Drain drain = new Drain();

    /** {@code loopCount}: the event loops, as many as the replicas have a slot for (see {@link dev.clb.lb.backend.ReplicaFactory#loops}). */
    ProxyServer(LoadBalancerServer.Listen listen, int loopCount, ProxyRoutes routes) throws InterruptedException {
        IoHandlerFactory io = listen.transport().ioHandlers();
        acceptor = new MultiThreadIoEventLoopGroup(1, io);
        loops = new MultiThreadIoEventLoopGroup(loopCount, io);
        Map<EventExecutor, UpstreamPool> pools = new IdentityHashMap<>();
        Bootstrap replicaConnections = new Bootstrap().channel(listen.transport().socketChannel)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .option(ChannelOption.RCVBUF_ALLOCATOR, READS);
        int slot = 0;
        for (EventExecutor loop : loops) pools.put(loop, new UpstreamPool((EventLoop) loop, slot++, replicaConnections, CONNECT_TIMEOUT_MILLIS));
        ClientEdge edge = new ClientEdge(listen.edge(), drain);
        RequestHandlers proxy = (ch, side) -> new ProxyHandler(routes, pools.get(ch.eventLoop()), side);
        Http2Edge http2 = new Http2Edge(listen.edge(), edge.streamBudget(), drain, proxy);
        try {
            listener = bind(listen, listen.port(), ch -> {
                edge.addTo(ch.pipeline(), false, new PriorKnowledge(http2));
                return proxy.handlerFor(ch, ClientSide.PLAIN);
            });
            tlsListener = listen.tls().isPresent() ? Optional.of(bind(listen, listen.tls().get().port(), ch -> {
                LoadBalancerServer.TlsListen tls = listen.tls().get();
                edge.addTo(ch.pipeline(), true, new Handshake(tls, listen.edge().get().limits().headerTimeoutMillis()), new AlpnSwitch(http2, tls.events()));
                return proxy.handlerFor(ch, ClientSide.SECURE);
            })) : Optional.empty();
        } catch (InterruptedException | RuntimeException e) {
            acceptor.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** A listener whose connections get the handlers {@code edge} adds, then the proxy it returns. */
    private Channel bind(LoadBalancerServer.Listen listen, int port, Function<Channel, ChannelHandler> edge) throws InterruptedException {
        return new ServerBootstrap().group(acceptor, loops).channel(listen.transport().serverChannel)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, READS)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(RequestHandlers.NAME, edge.apply(ch));
                    }
                })
                .bind(listen.bind(), port).sync().channel();
    }

    /**
     * The TLS handshake: the certificate for the client's SNI name, as the set is at that moment; a ClientHello that
     * does not come within the header timeout, or a handshake that does not finish within it after, closes the connection.
     */
    private static final class Handshake extends SniHandler {
        private final long timeoutMillis;

        Handshake(LoadBalancerServer.TlsListen tls, long timeoutMillis) {
            super(tls.certificates(), MAX_CLIENT_HELLO_BYTES, timeoutMillis);
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
            SslHandler handler = super.newSslHandler(context, allocator);
            handler.setHandshakeTimeoutMillis(timeoutMillis);
            return handler;
        }
    }

    /** Closes the ports to new connections, then drains those open (see {@link Drain}). */
    void stopAccepting() {
        listener.close().syncUninterruptibly();
        tlsListener.ifPresent(tls -> tls.close().syncUninterruptibly());
        drain.start();
    }

    /** Client connections still open. */
    int openConnections() {
        return drain.open();
    }

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    OptionalInt tlsPort() {
        return tlsListener.map(tls -> OptionalInt.of(((InetSocketAddress) tls.localAddress()).getPort())).orElse(OptionalInt.empty());
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        tlsListener.ifPresent(tls -> tls.close().syncUninterruptibly());
        acceptor.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}

package dev.clb.lb.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The public port: a few event loops (one per core by default), each serving its client connections and
 * owning an {@link UpstreamPool} of replica connections for them, and a thread of its own that accepts
 * connections and hands each to a loop: on a loop busy with traffic, a burst of connections (1000 at once)
 * waited in the accept queue with their requests, and some of them past the clients' 2 s timeouts. The loops
 * talk to the kernel through the {@link Transport} chosen.
 */
final class ProxyServer implements AutoCloseable {
    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    /**
     * Bytes queued for a peer before the other side stops being read, and when it is read again: per exchange memory is
     * about the high mark plus one read; wider than Netty's 32/64 KiB so that a large body toggles reading less often.
     */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(128 * 1024, 512 * 1024);
    /**
     * How much one read may take: Netty's adaptive guess, from 16 KiB up to 256 KiB (its default stops at 64 KiB), so that
     * a large body crosses in fewer, larger reads and writes; small requests shrink it back. In side-by-side runs of the
     * large-body benchmark: 0.89 and 0.93 of nginx's MiB/s down and up against 0.86 and 0.84 with Netty's default.
     */
    static final AdaptiveRecvByteBufAllocator READS = new AdaptiveRecvByteBufAllocator(64, 16 * 1024, 256 * 1024);

    private final EventLoopGroup acceptor;
    private final EventLoopGroup loops;
    private final Channel listener;
    private final Drain drain = new Drain();

    ProxyServer(String bind, int port, int threads, Transport transport, ClientLimits clients, ProxyRoutes routes) throws InterruptedException {
        IoHandlerFactory io = transport.ioHandlers();
        acceptor = new MultiThreadIoEventLoopGroup(1, io);
        loops = new MultiThreadIoEventLoopGroup(threads > 0 ? threads : Runtime.getRuntime().availableProcessors(), io);
        Map<EventExecutor, UpstreamPool> pools = new IdentityHashMap<>();
        for (EventExecutor loop : loops) pools.put(loop, new UpstreamPool((EventLoop) loop, transport.socketChannel, CONNECT_TIMEOUT_MILLIS));
        ClientEdge edge = new ClientEdge(clients, drain);
        try {
            listener = new ServerBootstrap().group(acceptor, loops).channel(transport.serverChannel)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, READS)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            edge.addTo(ch.pipeline());
                            ch.pipeline().addLast(
                                    new ProxyHandler(routes, pools.get(ch.eventLoop())));
                        }
                    })
                    .bind(bind, port).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            acceptor.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Closes the port to new connections, then drains those open (see {@link Drain}). */
    void stopAccepting() {
        listener.close().syncUninterruptibly();
        drain.start();
    }

    /** Client connections still open. */
    int openConnections() {
        return drain.open();
    }

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        acceptor.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}

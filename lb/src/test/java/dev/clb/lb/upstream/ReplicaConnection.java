package dev.clb.lb.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.function.Predicate;

/**
 * One connection from an {@link UpstreamPool} to a replica, in memory, on the event loop the pool registers it with (a
 * test's EmbeddedChannel loop): what the pool writes is kept for the test to read ({@link #sent}), and what the test
 * has the replica send comes in as read bytes ({@link #receive}). Not an EmbeddedChannel itself: closing one of those
 * cancels every task scheduled on its loop, the client connection's timers and the pool's other calls' with it.
 * A connect the replica does not accept stays pending; as on Netty's socket transports, cancelling it closes the channel.
 */
public final class ReplicaConnection extends AbstractChannel {
    private static final ChannelMetadata METADATA = new ChannelMetadata(false);

    private final Predicate<ReplicaConnection> accepts;
    private final ChannelConfig config = new DefaultChannelConfig(this) {
        @Override
        public <T> boolean setOption(ChannelOption<T> option, T value) {
            return option == ChannelOption.TCP_NODELAY || super.setOption(option, value); // what the pool sets on a socket
        }
    };
    private final Queue<ByteBuf> written = new ArrayDeque<>();
    private boolean open = true;
    private SocketAddress remote;
    private SocketAddress connectingTo;

    /** {@code accepts} decides, given the connection and {@link #connectingTo}, whether the replica accepts it. */
    ReplicaConnection(Predicate<ReplicaConnection> accepts) {
        super(null);
        this.accepts = accepts;
    }

    public SocketAddress connectingTo() {
        return connectingTo;
    }

    /** What the pool wrote on this connection since the last call, as text. */
    public String sent() {
        StringBuilder text = new StringBuilder();
        ByteBuf bytes;
        while ((bytes = written.poll()) != null) {
            text.append(bytes.toString(StandardCharsets.ISO_8859_1));
            bytes.release();
        }
        return text.toString();
    }

    /** The replica sends {@code bytes}: one read on the pool's side. */
    public void receive(String bytes) {
        pipeline().fireChannelRead(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
        pipeline().fireChannelReadComplete();
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new AbstractUnsafe() {
            @Override
            public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
                if (promise.isDone() || !ensureOpen(promise)) return;
                connectingTo = remoteAddress;
                if (!accepts.test(ReplicaConnection.this)) {
                    promise.addListener(connecting -> {
                        if (connecting.isCancelled()) close(voidPromise());
                    });
                    return;
                }
                remote = remoteAddress;
                promise.trySuccess();
                pipeline().fireChannelActive();
            }
        };
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return true;
    }

    @Override
    protected SocketAddress localAddress0() {
        return null;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote;
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        throw new UnsupportedOperationException("a connection to a replica binds nothing");
    }

    @Override
    protected void doDisconnect() {
        doClose();
    }

    @Override
    protected void doClose() {
        open = false;
    }

    @Override
    protected void doBeginRead() {
        // the test delivers what the replica sends (receive)
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) {
        Object message;
        while ((message = in.current()) != null) {
            written.add(((ByteBuf) message).retain());
            in.remove();
        }
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open && remote != null;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }
}

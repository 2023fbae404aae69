package dev.clb.lb.edge;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelOutputShutdownException;
import io.netty.channel.socket.DuplexChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;

/**
 * A client's TCP connection on an {@link EmbeddedChannel}: its two directions shut apart, as a socket's do (what
 * {@link LingeringClose} needs), a write after the output is shut fails as it would on a socket, and the client can
 * end its side of the stream. Its peer is an IP address, as a socket's, when a test gives one.
 */
final class ClientConnection extends EmbeddedChannel implements DuplexChannel {
    private boolean inputShut;
    private boolean outputShut;
    /** Null only while EmbeddedChannel's constructor runs, which reads no address. */
    private Optional<InetSocketAddress> peer;

    ClientConnection(EmbeddedChannel.Builder builder) {
        this(builder, Optional.empty());
    }

    ClientConnection(EmbeddedChannel.Builder builder, Optional<InetSocketAddress> peer) {
        super(builder);
        this.peer = peer;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        if (peer == null) return null; // not cached by the channel, unlike an address
        return peer.isPresent() ? peer.get() : super.remoteAddress0();
    }

    /** The client closes its side: Netty's transports then close the channel, past the pipeline's close. */
    void endOfStream() {
        unsafe().close(voidPromise());
    }

    /** Whether the client has read the end of the stream (the load balancer shut its output, or closed). */
    boolean ended() {
        runPendingTasks();
        return outputShut || !isOpen();
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        if (!outputShut) {
            super.doWrite(in);
            return;
        }
        while (in.current() != null) in.remove(new ChannelOutputShutdownException("the output is shut down"));
    }

    @Override
    public boolean isInputShutdown() {
        return inputShut;
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        inputShut = true;
        return promise.setSuccess();
    }

    @Override
    public boolean isOutputShutdown() {
        return outputShut;
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        outputShut = true;
        return promise.setSuccess();
    }

    @Override
    public boolean isShutdown() {
        return inputShut && outputShut;
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        inputShut = true;
        outputShut = true;
        return promise.setSuccess();
    }
}

package dev.clb.lb.server;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * How the event loops talk to the kernel. io_uring submits and completes socket reads and writes in batches, where
 * epoll wakes up for readiness and then makes one system call per read or write: on this proxy's path it took a little
 * over half of epoll's CPU per request (make bench, lb-nolog against lb-epoll). Where io_uring is refused (an old
 * kernel, a container's seccomp profile, a sysctl), {@code auto} takes epoll, and NIO where neither native transport
 * loads.
 */
public enum Transport {
    IO_URING("io_uring", IoUring::unavailabilityCause, IoUringIoHandler::newFactory, IoUringServerSocketChannel.class, IoUringSocketChannel.class),
    EPOLL("epoll", Epoll::unavailabilityCause, EpollIoHandler::newFactory, EpollServerSocketChannel.class, EpollSocketChannel.class),
    NIO("nio", () -> null, NioIoHandler::newFactory, NioServerSocketChannel.class, NioSocketChannel.class);

    private final String optionName;
    private final Supplier<Throwable> unavailabilityCause;
    private final Supplier<IoHandlerFactory> ioHandlers;
    final Class<? extends ServerChannel> serverChannel;
    final Class<? extends Channel> socketChannel;

    Transport(String optionName, Supplier<Throwable> unavailabilityCause, Supplier<IoHandlerFactory> ioHandlers,
              Class<? extends ServerChannel> serverChannel, Class<? extends Channel> socketChannel) {
        this.optionName = optionName;
        this.unavailabilityCause = unavailabilityCause;
        this.ioHandlers = ioHandlers;
        this.serverChannel = serverChannel;
        this.socketChannel = socketChannel;
    }

    /** {@code auto} (the first of io_uring, epoll and NIO that works here) or one of them, which must work here. */
    public static Transport named(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        if (wanted.equals("auto")) {
            return Stream.of(values()).filter(t -> t.whyUnavailable().isEmpty()).findFirst().orElse(NIO);
        }
        Transport transport = Stream.of(values()).filter(t -> t.optionName.equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the transport must be auto, io_uring, epoll or nio, not '" + name + "'"));
        transport.whyUnavailable().ifPresent(why -> {
            throw new IllegalArgumentException("transport " + transport + " does not work here (" + why + "); auto takes the best that does");
        });
        return transport;
    }

    /** Why this transport cannot run here; empty if it can. */
    public Optional<String> whyUnavailable() {
        return Optional.ofNullable(unavailabilityCause.get()).map(cause -> cause.getMessage() == null ? cause.toString() : cause.getMessage());
    }

    /** The name, and why io_uring is not used where it does not work here. */
    public String describe() {
        if (this == IO_URING) return toString();
        return IO_URING.whyUnavailable().map(why -> this + " (io_uring does not work here: " + why + ")").orElse(toString());
    }

    IoHandlerFactory ioHandlers() {
        return ioHandlers.get();
    }

    @Override
    public String toString() {
        return optionName;
    }
}

package dev.clb.lb.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.RingFullException;
import dev.clb.lb.backend.Backend;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pool of one event loop against real HTTP servers on loopback. */
class UpstreamPoolTest {
    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoop loop = group.next();
    private final UpstreamPool pool = new UpstreamPool(loop, new Bootstrap().channel(NioSocketChannel.class), 2_000);
    private final List<Closeable> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger connectionsAccepted = new AtomicInteger();
    private final AtomicInteger connectionsClosed = new AtomicInteger();
    private final Backend admin = Backend.admin(1);

    @AfterEach
    void stop() {
        for (Closeable socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Forgotten: its idle connection closed, and a request that still goes to it (a retry from an older ring) finds no latencies kept. */
    @Test
    void aReplicaThatLeftTheRingIsForgottenWithItsIdleConnectionsOnTheNextRing() throws Exception {
        List<Backend> backends = List.of(backend("server-1"), backend("server-2"), backend("server-3"));
        ConsistentHashMap<Backend> map = mapOf(backends);
        poolSees(map.ring());
        for (Backend b : backends) assertThat(get(b)).isEqualTo(200);
        LatencyWindow server1 = windowSeenBy(backends.get(0));
        LatencyWindow server2 = windowSeenBy(backends.get(1));
        assertThat(connectionsAccepted.get()).as("one connection each, kept").isEqualTo(3);

        map.remove("server-2");
        Ring<Backend> without2 = map.ring();
        poolSees(without2);

        Awaitility.await("server-2's idle connection closed").atMost(java.time.Duration.ofSeconds(5)).until(() -> connectionsClosed.get() == 1);
        assertThat(windowSeenBy(backends.get(0))).as("server-1 kept with its latencies").isSameAs(server1);
        poolSees(without2); // the same ring again changes nothing
        assertThat(windowSeenBy(backends.get(0))).isSameAs(server1);
        assertThat(connectionsAccepted.get()).as("server-1's connection still used").isEqualTo(3);
        assertThat(windowSeenBy(backends.get(1))).as("server-2's latencies, forgotten with it").isNotSameAs(server2);
    }

    @Test
    void aCallInFlightToAReplicaThatLeftTheRingClosesItsConnectionWhenItEnds() throws Exception {
        List<Backend> backends = List.of(backend("server-1"), backend("server-2"));
        ConsistentHashMap<Backend> map = mapOf(backends);
        poolSees(map.ring());
        map.remove("server-2");
        Ring<Backend> without2 = map.ring();

        AtomicReference<LatencyWindow> window = new AtomicReference<>();
        CompletableFuture<Integer> answer = get(backends.get(1), window, () -> pool.ringIs(without2, admin)); // the ring changes once it is sent
        assertThat(answer.get(5, TimeUnit.SECONDS)).isEqualTo(200);
        Awaitility.await("the connection closed, not kept idle for a replica the pool forgot")
                .atMost(java.time.Duration.ofSeconds(5)).until(() -> connectionsClosed.get() == 1);
        assertThat(windowSeenBy(backends.get(1))).as("its latencies, forgotten with it").isNotSameAs(window.get());
    }

    @Test
    void aRetryToAReplicaOutOfTheLastRingDoesNotKeepItsConnection() throws Exception {
        List<Backend> backends = List.of(backend("server-1"), backend("server-2"));
        ConsistentHashMap<Backend> map = mapOf(backends);
        map.remove("server-2");
        poolSees(map.ring());

        LatencyWindow retried = windowSeenBy(backends.get(1)); // picked from the ring its request started with, older than the pool's
        Awaitility.await("its connection closed once the call ended").atMost(java.time.Duration.ofSeconds(5))
                .until(() -> connectionsClosed.get() == 1);
        assertThat(windowSeenBy(backends.get(1))).as("nothing kept for it").isNotSameAs(retried);
    }

    /**
     * A keep-alive HTTP server on loopback, on raw sockets so that it can tell when a connection is closed: answers
     * 200 to every request head, counts the connections whose other end closed.
     */
    private Backend backend(String name) throws Exception {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        sockets.add(server);
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket connection = server.accept();
                    sockets.add(connection);
                    connectionsAccepted.incrementAndGet();
                    Thread serving = new Thread(() -> serve(connection), name + " connection");
                    serving.setDaemon(true);
                    serving.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }, name + " acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        return new Backend(name, "127.0.0.1", server.getLocalPort());
    }

    private void serve(Socket connection) {
        try (connection) {
            InputStream in = new BufferedInputStream(connection.getInputStream());
            while (true) {
                String head = RawHttpHead.read(in);
                if (head == null) break;
                connection.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
            }
            connectionsClosed.incrementAndGet();
        } catch (IOException e) {
            connectionsClosed.incrementAndGet();
        }
    }

    /** The request head up to its blank line, or null at the end of the stream. */
    private static final class RawHttpHead {
        static String read(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            int c;
            while ((c = in.read()) != -1) {
                head.append((char) c);
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) return head.toString();
            }
            return null;
        }
    }

    private static ConsistentHashMap<Backend> mapOf(List<Backend> backends) throws RingFullException {
        ConsistentHashMap<Backend> map = new ConsistentHashMap<>(RingConfig.defaults());
        for (Backend b : backends) map.add(b.hostname(), b);
        return map;
    }

    /** The pool's loop starts a request under {@code ring}, as the proxy does. */
    private void poolSees(Ring<Backend> ring) throws Exception {
        onLoop(() -> {
            pool.ringIs(ring, admin);
            return null;
        });
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(5, TimeUnit.SECONDS);
    }

    /** One GET through the pool; its status. */
    private int get(Backend backend) throws Exception {
        return get(backend, new AtomicReference<>(), () -> { }).get(5, TimeUnit.SECONDS);
    }

    /** One GET through the pool, answered 200; the replica's latencies the pool gave it (what its attempt deadline is made of). */
    private LatencyWindow windowSeenBy(Backend backend) throws Exception {
        AtomicReference<LatencyWindow> window = new AtomicReference<>();
        assertThat(get(backend, window, () -> { }).get(5, TimeUnit.SECONDS)).isEqualTo(200);
        return window.get();
    }

    /**
     * One GET through the pool, {@code afterSend} run on the loop right after it was handed to the pool; its status.
     * {@code window} gets the replica's latencies the pool hands the request.
     */
    private CompletableFuture<Integer> get(Backend backend, AtomicReference<LatencyWindow> window, Runnable afterSend) {
        CompletableFuture<Integer> status = new CompletableFuture<>();
        loop.execute(() -> {
            pool.send(backend, 5_000, listener(status, window));
            afterSend.run();
        });
        return status;
    }

    private static UpstreamPool.Listener listener(CompletableFuture<Integer> status, AtomicReference<LatencyWindow> window) {
        return new UpstreamPool.Listener() {
            int code;

            @Override
            public HttpRequest head(AsciiString host) {
                HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
                head.headers().set("host", host);
                return head;
            }

            @Override
            public boolean replayable() {
                return true;
            }

            @Override
            public long deadlineMillis(Backend to, LatencyWindow recent) {
                window.set(recent);
                return 0;
            }

            @Override
            public void attached(UpstreamPool.Call call) {
                call.write(LastHttpContent.EMPTY_LAST_CONTENT);
                call.flush();
            }

            @Override
            public void onHead(HttpResponse response) {
                code = response.status().code();
            }

            @Override
            public void onContent(HttpContent content) {
                boolean last = content instanceof LastHttpContent;
                content.release();
                if (last) status.complete(code);
            }

            @Override
            public void onFailure(Throwable cause) {
                status.completeExceptionally(cause);
            }

            @Override
            public void flush() {
            }

            @Override
            public void writable() {
            }
        };
    }
}

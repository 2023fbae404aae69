package dev.clb.lb.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.RingFullException;
import dev.clb.lb.backend.Backend;
import dev.clb.lb.backend.LatencyWindow;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import dev.clb.lb.core.Released;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
    private final UpstreamPool pool = new UpstreamPool(loop, 0, new Bootstrap().channel(NioSocketChannel.class), 2_000);
    private final ReplicaFactory made = new ReplicaFactory(1, new SimpleMeterRegistry());
    private final List<Closeable> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger connectionsAccepted = new AtomicInteger();
    private final AtomicInteger connectionsClosed = new AtomicInteger();

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

    /** Its idle connection closed; the others' kept, and the same ring seen again changes nothing. */
    @Test
    void aReplicaThatLeftTheRingHasItsIdleConnectionsClosedOnTheNextRing() throws Exception {
        List<Replica> replicas = List.of(replica("server-1"), replica("server-2"), replica("server-3"));
        ConsistentHashMap<Replica> map = mapOf(replicas);
        poolSees(map.ring());
        for (Replica r : replicas) assertThat(get(r)).isEqualTo(200);
        LatencyWindow server1 = windowSeenBy(replicas.get(0));
        assertThat(connectionsAccepted.get()).as("one connection each, kept").isEqualTo(3);

        map.remove("server-2");
        Ring<Replica> without2 = map.ring();
        poolSees(without2);

        Awaitility.await("server-2's idle connection closed").atMost(java.time.Duration.ofSeconds(5)).until(() -> connectionsClosed.get() == 1);
        assertThat(windowSeenBy(replicas.get(0))).as("server-1's latencies, on server-1").isSameAs(server1);
        poolSees(without2); // the same ring again changes nothing
        assertThat(get(replicas.get(0))).isEqualTo(200);
        assertThat(get(replicas.get(2))).isEqualTo(200);
        assertThat(connectionsAccepted.get()).as("server-1's and server-3's connections still used").isEqualTo(3);
        assertThat(connectionsClosed.get()).isEqualTo(1);
    }

    @Test
    void aCallInFlightToAReplicaThatLeftTheRingClosesItsConnectionWhenItEnds() throws Exception {
        List<Replica> replicas = List.of(replica("server-1"), replica("server-2"));
        ConsistentHashMap<Replica> map = mapOf(replicas);
        poolSees(map.ring());
        map.remove("server-2");
        Ring<Replica> without2 = map.ring();

        CompletableFuture<Integer> answer = get(replicas.get(1), new AtomicReference<>(), () -> pool.ringIs(without2)); // the ring changes once it is sent
        assertThat(answer.get(5, TimeUnit.SECONDS)).isEqualTo(200);
        Awaitility.await("the connection closed, not kept idle for a replica that left")
                .atMost(java.time.Duration.ofSeconds(5)).until(() -> connectionsClosed.get() == 1);
    }

    @Test
    void aRetryToAReplicaOutOfTheLastRingDoesNotKeepItsConnection() throws Exception {
        List<Replica> replicas = List.of(replica("server-1"), replica("server-2"));
        ConsistentHashMap<Replica> map = mapOf(replicas);
        poolSees(map.ring());
        map.remove("server-2");
        poolSees(map.ring());

        assertThat(get(replicas.get(1))).isEqualTo(200); // picked from the ring its request started with, older than the pool's
        Awaitility.await("its connection closed once the call ended").atMost(java.time.Duration.ofSeconds(5))
                .until(() -> connectionsClosed.get() == 1);
    }

    /** A static backend back in the ring is the same object: its connections are kept again. */
    @Test
    void aReplicaBackInTheRingHasItsConnectionsKeptAgain() throws Exception {
        Replica comesBack = replica("server-2");
        ConsistentHashMap<Replica> map = mapOf(List.of(replica("server-1"), comesBack));
        poolSees(map.ring());
        map.remove("server-2");
        poolSees(map.ring());
        map.add("server-2", comesBack);
        poolSees(map.ring());
        assertThat(get(comesBack)).isEqualTo(200);
        assertThat(get(comesBack)).isEqualTo(200);
        assertThat(connectionsAccepted.get()).as("one connection, kept between the two").isEqualTo(1);
        assertThat(connectionsClosed.get()).isZero();
    }

    /**
     * A crash loop: each replica answers, leaves the ring, and a new one (a new name, as every replacement has) takes its
     * place. The pool closes every idle connection of those that left and holds nothing of them: once nothing else
     * refers to them, the replica objects (with their latencies and hung tracking on this loop) are collected.
     */
    @Test
    void aCrashLoopOfReplacementsLeavesNoConnectionAndNoStateBehind() throws Exception {
        ConsistentHashMap<Replica> map = mapOf(List.of(replica("server-1")));
        List<WeakReference<Replica>> departed = new ArrayList<>();
        int replacements = 20;
        for (int i = 0; i < replacements; i++) departed.add(replaceOnce(map, "replica-" + i));
        poolSees(map.ring());
        assertThat(get(map.ring().nodes().get(0).value())).isEqualTo(200);
        Awaitility.await("every replaced replica's idle connection closed").atMost(java.time.Duration.ofSeconds(5))
                .until(() -> connectionsClosed.get() == replacements);
        assertThat(connectionsAccepted.get()).as("one each, and the one in the ring still open").isEqualTo(replacements + 1);
        for (WeakReference<Replica> gone : departed) Released.await("a replica that left, with its state", gone);
    }

    /** {@code name} joins, answers (its connection kept idle), and the one before it leaves; a weak reference to that one. */
    private WeakReference<Replica> replaceOnce(ConsistentHashMap<Replica> map, String name) throws Exception {
        Replica before = map.ring().nodes().get(map.ring().size() - 1).value();
        poolSees(map.ring());
        assertThat(get(before)).isEqualTo(200);
        map.add(name, replica(name));
        map.remove(before.hostname());
        poolSees(map.ring());
        return new WeakReference<>(before);
    }

    /**
     * A keep-alive HTTP server on loopback, on raw sockets so that it can tell when a connection is closed: answers
     * 200 to every request head, counts the connections whose other end closed.
     */
    private Replica replica(String name) throws Exception {
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
        return made.of(new Backend(name, "127.0.0.1", server.getLocalPort()));
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

    private static ConsistentHashMap<Replica> mapOf(List<Replica> replicas) throws RingFullException {
        ConsistentHashMap<Replica> map = new ConsistentHashMap<>(RingConfig.defaults());
        for (Replica r : replicas) map.add(r.hostname(), r);
        return map;
    }

    /** The pool's loop starts a request under {@code ring}, as the proxy does. */
    private void poolSees(Ring<Replica> ring) throws Exception {
        onLoop(() -> {
            pool.ringIs(ring);
            return null;
        });
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(5, TimeUnit.SECONDS);
    }

    /** One GET through the pool; its status. */
    private int get(Replica replica) throws Exception {
        return get(replica, new AtomicReference<>(), () -> { }).get(5, TimeUnit.SECONDS);
    }

    /** One GET through the pool, answered 200; the replica's latencies the pool gave it (what its attempt deadline is made of). */
    private LatencyWindow windowSeenBy(Replica replica) throws Exception {
        AtomicReference<LatencyWindow> window = new AtomicReference<>();
        assertThat(get(replica, window, () -> { }).get(5, TimeUnit.SECONDS)).isEqualTo(200);
        return window.get();
    }

    /**
     * One GET through the pool, {@code afterSend} run on the loop right after it was handed to the pool; its status.
     * {@code window} gets the replica's latencies the pool hands the request.
     */
    private CompletableFuture<Integer> get(Replica replica, AtomicReference<LatencyWindow> window, Runnable afterSend) {
        CompletableFuture<Integer> status = new CompletableFuture<>();
        loop.execute(() -> {
            pool.send(replica, 5_000, listener(status, window));
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
            public long deadlineMillis(Replica to, LatencyWindow recent) {
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

package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.lb.backend.Backend;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.clb.lb.health.HeartbeatMonitor;
import dev.clb.lb.health.HeartbeatMonitor.Outcome;
import dev.clb.lb.health.JettyHeartbeatProbe;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Jetty heartbeat against real sockets: what each kind of server answer counts as, and a real monitor on top. */
class HeartbeatOverSocketsTest {
    private final HttpClient client = new HttpClient();
    private final List<ServerSocket> servers = new CopyOnWriteArrayList<>();
    private final List<Socket> held = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startClient() throws Exception {
        client.setConnectTimeout(1_000);
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        client.stop();
        for (Socket s : held) s.close();
        for (ServerSocket s : servers) s.close();
    }

    /** A loopback server that answers every connection with {@code answer}, or holds it open in silence when null. */
    private Backend server(String name, String answer) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        servers.add(server);
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    held.add(socket);
                    if (answer != null) {
                        RawHttp.readHead(socket.getInputStream());
                        OutputStream out = socket.getOutputStream();
                        out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                    }
                } catch (IOException e) {
                    return;
                }
            }
        }, "heartbeat-test-server");
        acceptor.setDaemon(true);
        acceptor.start();
        return new Backend(name, "127.0.0.1", server.getLocalPort());
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void eachKindOfAnswerCountsAsItShould() throws Exception {
        JettyHeartbeatProbe probe = new JettyHeartbeatProbe(client);
        Duration timeout = Duration.ofMillis(400);
        Backend ok = server("ok", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        Backend broken = server("broken", "HTTP/1.1 500 Server Error\r\nContent-Length: 0\r\n\r\n");
        Backend silent = server("silent", null);
        Backend nobody = new Backend("nobody", "127.0.0.1", closedPort());
        assertThat(probe.beat(ok, timeout).get()).isEqualTo(Outcome.ALIVE);
        assertThat(probe.beat(broken, timeout).get()).isEqualTo(Outcome.MISSED);
        long t0 = System.nanoTime();
        assertThat(probe.beat(silent, timeout).get()).isEqualTo(Outcome.MISSED);
        System.out.printf("HEARTBEAT silent server counted as missed after %d ms (timeout %d ms)%n",
                (System.nanoTime() - t0) / 1_000_000, timeout.toMillis());
        assertThat(probe.beat(nobody, timeout).get()).isEqualTo(Outcome.REFUSED);
    }

    @Test
    void aRealMonitorFailsASilentServerAfterTheThresholdAndLeavesAnAnsweringOneAlone() throws Exception {
        ReplicaFactory made = new ReplicaFactory(1, new SimpleMeterRegistry());
        Replica ok = made.of(server("ok", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        Replica silent = made.of(server("silent", null));
        List<String> failed = new CopyOnWriteArrayList<>();
        HeartbeatMonitor monitor = new HeartbeatMonitor(new HeartbeatMonitor.Settings(Duration.ofMillis(50), Duration.ofMillis(200), 2),
                new JettyHeartbeatProbe(client), () -> List.of(ok, silent), (backend, reason) -> failed.add(backend.hostname() + ": " + reason),
                dev.clb.lb.events.MembershipEvents.NONE);
        try {
            monitor.start();
            Awaitility.await("the silent server fails").atMost(Duration.ofSeconds(10)).until(() -> !failed.isEmpty());
            Thread.sleep(300);
            assertThat(failed).containsExactly("silent: heartbeats missed (timeout 200 ms)");
        } finally {
            monitor.close();
        }
    }
}

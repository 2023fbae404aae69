package dev.clb.lb.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.clb.lb.config.Cluster;
import dev.clb.lb.membership.MembershipException.Unavailable;
import dev.clb.lb.membership.SharedState;
import dev.clb.lb.membership.SharedStore;
import dev.clb.lb.membership.SharedStore.Written;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster's store on a real etcd process (Debian's etcd-server; skipped, saying why, without it): one leader at a
 * time, writes fenced by the leader key, a deposed leader's write refused, and no quorum (etcd frozen by SIGSTOP) seen
 * as unavailable rather than waited for.
 */
class EtcdStoreTest {
    private Process etcd;
    private Path data;
    private String endpoint;
    private final List<EtcdStore> stores = new java.util.ArrayList<>();

    @BeforeEach
    void startEtcd() throws IOException {
        Path binary = Path.of("/usr/bin/etcd");
        assumeTrue(Files.isExecutable(binary), "etcd is not installed (apt-get install etcd-server): EtcdStoreTest skipped");
        int client = freePort(), peer = freePort();
        data = Files.createTempDirectory("etcd-test");
        endpoint = "http://127.0.0.1:" + client;
        etcd = new ProcessBuilder(binary.toString(), "--data-dir", data.toString(), "--listen-client-urls", endpoint,
                "--advertise-client-urls", endpoint, "--listen-peer-urls", "http://127.0.0.1:" + peer,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer, "--initial-cluster", "default=http://127.0.0.1:" + peer)
                .redirectErrorStream(true).redirectOutput(data.resolve("log").toFile()).start();
    }

    @AfterEach
    void stopEtcd() throws Exception {
        stores.forEach(EtcdStore::close);
        if (etcd != null) {
            new ProcessBuilder("kill", "-CONT", String.valueOf(etcd.pid())).start().waitFor();
            etcd.destroyForcibly().waitFor();
        }
        if (data != null) {
            try (var files = Files.walk(data)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private EtcdStore store(String id) {
        EtcdStore store = new EtcdStore(new Cluster(List.of(endpoint), "test", id, Duration.ofSeconds(2), id + ":5000"));
        stores.add(store);
        return store;
    }

    /** Counts its elections and depositions. */
    private static final class Terms implements SharedStore.Leadership {
        final AtomicInteger elected = new AtomicInteger(), deposed = new AtomicInteger();

        @Override
        public void elected(long term) {
            elected.incrementAndGet();
        }

        @Override
        public void deposed(long term) {
            deposed.incrementAndGet();
        }
    }

    private static SharedState state(String leader, String replica) {
        return new SharedState(leader, "maglev", List.of(new SharedState.Seated(replica, "10.0.0.1", 5000, 1, 1, "")), List.of());
    }

    @Test
    void oneLeadsItsWritesAreStoredAndWatchedAndTheOtherTakesOverWhenItResigns() throws Exception {
        EtcdStore a = store("a"), b = store("b");
        Terms termsA = new Terms(), termsB = new Terms();
        electedBeforeTheOther(a, termsA, b, termsB);
        ConcurrentLinkedQueue<SharedStore.Stored> seen = new ConcurrentLinkedQueue<>();
        b.watch(0, seen::add);

        Written written = a.write(state("a", "server-1"));
        assertThat(written).isInstanceOf(Written.Done.class);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
        assertThat(seen.peek().state().replicas().get(0).hostname()).isEqualTo("server-1");
        assertThat(seen.peek().revision()).isEqualTo(((Written.Done) written).revision());
        assertThat(b.write(state("b", "server-2"))).as("a write by one that does not lead").isInstanceOf(Written.NotLeader.class);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> b.leader().map(SharedStore.Instance::id).orElse("").equals("a"));
        assertThat(termsB.elected.get()).isZero();

        a.close();
        Awaitility.await("b elected once a resigned").atMost(Duration.ofSeconds(10)).until(() -> termsB.elected.get() == 1);
        assertThat(b.write(state("b", "server-3"))).isInstanceOf(Written.Done.class);
        assertThat(b.current().orElseThrow().state().replicas().get(0).hostname()).isEqualTo("server-3");
    }

    /**
     * A leader frozen past its lease (SIGSTOP of the instance is what the store sees as lost renewals: here its lease
     * revoked behind its back) is deposed and its next write refused: the other leads and writes.
     */
    @Test
    void aLeaderWhoseLeaseIsGoneCannotWrite() throws Exception {
        EtcdStore a = store("a"), b = store("b");
        Terms termsA = new Terms(), termsB = new Terms();
        electedBeforeTheOther(a, termsA, b, termsB);
        // b in the queue before a loses its key: a, deposed, campaigns again at once and would otherwise come first
        Awaitility.await("b campaigning").atMost(Duration.ofSeconds(10)).until(() -> campaigners() == 2);
        new ProcessBuilder("etcdctl", "--endpoints", endpoint, "lease", "revoke", leaseOf("a")).start().waitFor();
        assertThat(a.write(state("a", "stale"))).as("the fenced write of a leader whose key is gone").isInstanceOf(Written.NotLeader.class);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> termsB.elected.get() == 1 && termsA.deposed.get() == 1);
        assertThat(b.write(state("b", "fresh"))).isInstanceOf(Written.Done.class);
        assertThat(b.current().orElseThrow().state().leader()).isEqualTo("b");
    }

    /**
     * etcd frozen (SIGSTOP): a change is refused as unavailable within the request timeout, not waited for, and the
     * leader deposes itself when its lease runs out (2 s here), as etcd gives the lead away then; thawed, it is
     * elected again and can write.
     */
    @Test
    void aStoreThatDoesNotAnswerIsUnavailableAtOnceAndItsLeaderDeposedAtTheLeasesEnd() throws Exception {
        EtcdStore a = store("a");
        Terms terms = new Terms();
        awaitAnswering(a);
        elected(a, terms);
        a.checkWritable();
        new ProcessBuilder("kill", "-STOP", String.valueOf(etcd.pid())).start().waitFor();
        long frozenAt = System.nanoTime();
        assertThatThrownBy(a::checkWritable).isInstanceOf(Unavailable.class).hasMessageContaining("did not answer within");
        assertThat(System.nanoTime() - frozenAt).isLessThan(Duration.ofSeconds(3).toNanos());
        Awaitility.await("deposed").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> terms.deposed.get() == 1);
        long deposedAfter = System.nanoTime() - frozenAt;
        assertThat(a.write(state("a", "x"))).isNotInstanceOf(Written.Done.class);
        System.out.printf("EtcdStoreTest: deposed %.0f ms after etcd froze (lease 2000 ms, renewed every 666 ms)%n", deposedAfter / 1e6);
        assertThat(deposedAfter).isLessThan(Duration.ofMillis(2_000 + 1_000).toNanos());
        new ProcessBuilder("kill", "-CONT", String.valueOf(etcd.pid())).start().waitFor();
        Awaitility.await("elected and writable again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            try {
                a.checkWritable();
                return true;
            } catch (Unavailable e) {
                return false;
            }
        });
        assertThat(terms.elected.get()).isEqualTo(2);
    }

    /** {@code first} campaigns and is elected, then {@code second} campaigns (and waits). */
    private static void electedBeforeTheOther(EtcdStore first, Terms firstTerms, EtcdStore second, Terms secondTerms) {
        awaitAnswering(first);
        elected(first, firstTerms);
        second.campaign(secondTerms);
    }

    private static void elected(EtcdStore store, Terms terms) {
        store.campaign(terms);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> terms.elected.get() == 1);
    }

    private static void awaitAnswering(EtcdStore store) {
        Awaitility.await("etcd answers").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> {
                    store.current();
                    return true;
                });
    }

    /** How many instances campaign now (their keys under the election's prefix). */
    private int campaigners() throws Exception {
        Process get = new ProcessBuilder("etcdctl", "--endpoints", endpoint, "get", "--prefix", "/clb/test/election", "--keys-only").start();
        String out = new String(get.getInputStream().readAllBytes());
        get.waitFor();
        return (int) out.lines().filter(line -> !line.isBlank()).count();
    }

    /** The lease of instance {@code id}'s registration, as etcdctl shows it (hex). */
    private String leaseOf(String id) throws Exception {
        Process get = new ProcessBuilder("etcdctl", "--endpoints", endpoint, "get", "/clb/test/instances/" + id, "-w", "fields").start();
        String out = new String(get.getInputStream().readAllBytes());
        get.waitFor();
        java.util.regex.Matcher lease = java.util.regex.Pattern.compile("\"Lease\" : (\\d+)").matcher(out);
        assertThat(lease.find()).as("lease in %s", out).isTrue();
        return Long.toHexString(Long.parseLong(lease.group(1)));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

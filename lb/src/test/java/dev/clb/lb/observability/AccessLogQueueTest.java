package dev.clb.lb.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.lb.backend.Backend;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import dev.clb.lb.proxy.ProxyEvents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.StringWriter;
import java.io.Writer;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** A writer that cannot keep up never makes the event loop wait: lines beyond the queue are dropped and counted. */
class AccessLogQueueTest {
    private final ReplicaFactory made = new ReplicaFactory(1, new SimpleMeterRegistry());
    private final Replica server1 = made.of(new Backend("server-1", "127.0.0.1", 1));

    @Test
    void aStuckWriterCostsDroppedLinesNotABlockedCaller() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        StringWriter written = new StringWriter();
        Writer stuck = new Writer() {
            @Override
            public void write(char[] buf, int off, int len) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                written.write(buf, off, len);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AccessLog log = new AccessLog(stuck, true, registry);
        int offered = 100_000;
        long start = System.nanoTime();
        for (int i = 0; i < offered; i++) {
            log.completed(new ProxyEvents.Exchange(0, "127.0.0.1", "GET", "/home", new ProxyEvents.Edge("HTTP/1.1", "http", "none"), 200, Optional.of(server1), 1, 1_000));
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        double dropped = registry.get("lb.access.log.dropped").counter().count();
        System.out.printf("ACCESS LOG QUEUE %d offered in %d ms to a stuck writer, %.0f dropped%n", offered, millis, dropped);
        // the queue holds 65536; the writer thread took at most one line before it got stuck
        assertThat(dropped).isBetween(offered - 65_536 - 1.0, offered - 65_536.0);
        release.countDown();
        log.close();
        assertThat(written.toString().lines().count()).isEqualTo(offered - (long) dropped);
    }
}

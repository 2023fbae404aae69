package dev.clb.lb.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The shared table of token buckets: exact under contention, with no lock. */
class ClientBucketsTest {
    private static InetAddress address(int i) throws Exception {
        return InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
    }

    @Test
    void threadsTakingFromOneBucketAtOnceGetExactlyTheBurst() throws Exception {
        ClientBuckets buckets = new ClientBuckets(new RequestRate(1, 500_000), 1_000);
        InetAddress client = address(1);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> taken = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Callable<Integer> taker = () -> {
                    start.await();
                    int got = 0;
                    for (int i = 0; i < 250_000; i++) if (buckets.take(client, 0) == 0) got++;
                    return got;
                };
                taken.add(threads.submit(taker));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> f : taken) total += f.get(30, TimeUnit.SECONDS);
            assertThat(total).isEqualTo(500_000);
        } finally {
            threads.shutdownNow();
        }
    }
}

package dev.clb.lb.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.lb.backend.Backend;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import dev.clb.lb.proxy.ProxyEvents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The exact line, its time in UTC to the millisecond across second boundaries (the writer formats each second once). */
class AccessLogFormatTest {
    private final ReplicaFactory made = new ReplicaFactory(1, new SimpleMeterRegistry());
    private final Replica server1 = made.of(new Backend("server-1", "127.0.0.1", 1));
    private final Replica admin = made.admin(1);

    @Test
    void eachLineHasItsOwnMillisecondAndSecondInUtc() {
        long t = Instant.parse("2026-12-02T06:00:03Z").toEpochMilli();
        StringWriter out = new StringWriter();
        AccessLog log = new AccessLog(out, true, new SimpleMeterRegistry());
        log.completed(new ProxyEvents.Exchange(t + 7, "127.0.0.1", "GET", "/home?x=1", new ProxyEvents.Edge("HTTP/1.1", "http", "none"), 200, Optional.of(server1), 1, 412_345));
        log.completed(new ProxyEvents.Exchange(t + 999, "10.0.0.2", "POST", "/home", new ProxyEvents.Edge("HTTP/2", "http", "none"), 502, Optional.empty(), 3, 2_000_999_000L));
        log.completed(new ProxyEvents.Exchange(t + 1_050, "127.0.0.1", "GET", "/rep", new ProxyEvents.Edge("HTTP/1.0", "http", "none"), 200, Optional.of(admin), 0, 5_000));
        log.completed(new ProxyEvents.Exchange(t + 61_000, "127.0.0.1", "GET", "/x", new ProxyEvents.Edge("HTTP/1.1", "http", "none"), 400, Optional.empty(), 1, 999));
        log.close();
        assertThat(out.toString().lines()).containsExactly(
                "2026-12-02T06:00:03.007Z 127.0.0.1 GET /home?x=1 HTTP/1.1 200 server-1 1 0.412",
                "2026-12-02T06:00:03.999Z 10.0.0.2 POST /home HTTP/2 502 - 3 2000.999",
                "2026-12-02T06:00:04.050Z 127.0.0.1 GET /rep HTTP/1.0 200 admin 0 0.005",
                "2026-12-02T06:01:04.000Z 127.0.0.1 GET /x HTTP/1.1 400 - 1 0.000");
    }
}

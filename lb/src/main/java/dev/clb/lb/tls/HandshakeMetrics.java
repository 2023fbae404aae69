package dev.clb.lb.tls;

import dev.clb.lb.edge.TlsEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** {@code lb_tls_handshakes_total{result, version, protocol}}: handshakes done (result ok) and failed (result the reason). */
public final class HandshakeMetrics implements TlsEvents {
    private final MeterRegistry registry;
    private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();

    public HandshakeMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void handshook(String version, String protocol) {
        count("ok", version, protocol);
    }

    @Override
    public void handshakeFailed(String reason) {
        count(reason, "none", "none");
    }

    private void count(String result, String version, String protocol) {
        counters.computeIfAbsent(result + ' ' + version + ' ' + protocol, key -> Counter.builder("lb.tls.handshakes")
                .description("TLS handshakes on the TLS port, by result (ok, or why it failed), TLS version and ALPN protocol")
                .tag("result", result).tag("version", version).tag("protocol", protocol).register(registry)).increment();
    }
}

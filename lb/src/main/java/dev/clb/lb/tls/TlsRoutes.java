package dev.clb.lb.tls;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clb.lb.management.ManagementRoutes;
import io.javalin.config.JavalinConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.IntSupplier;

/** {@code GET /tls} on the management port: the provider and each certificate served, with its names, serial and expiry. */
public final class TlsRoutes implements ManagementRoutes {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TlsCertificates certificates;
    private final IntSupplier port;
    private final Clock clock;

    public TlsRoutes(TlsCertificates certificates, IntSupplier port, Clock clock) {
        this.certificates = certificates;
        this.port = port;
        this.clock = clock;
    }

    record TlsView(int port, String provider, List<String> protocols, List<Certificate> certificates) {
        record Certificate(String chain, String key, List<String> names, String serial, String subject, String notAfter, long secondsLeft) {
        }
    }

    TlsView view() {
        List<TlsView.Certificate> served = certificates.current().certificates().stream()
                .map(c -> new TlsView.Certificate(c.files().chain().toString(), c.files().key().toString(), c.names(), c.serial().toString(16),
                        c.leaf().getSubjectX500Principal().getName(), c.notAfter().toString(), Duration.between(clock.instant(), c.notAfter()).toSeconds()))
                .toList();
        return new TlsView(port.getAsInt(), certificates.provider().describe(), List.of(CertificateSet.PROTOCOLS), served);
    }

    @Override
    public void register(JavalinConfig config) {
        config.routes.get("/tls", ctx -> ctx.contentType("application/json").result(JSON.writeValueAsString(view())));
    }
}

package dev.clb.lb.tls;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificates the TLS port serves, and their live replacement. The files are looked at every
 * {@link #POLL} (a watch service misses the symlink swaps of Kubernetes secrets and some editors' renames); once a
 * change has stood still for one look, so that a file caught half-written is not taken, the whole set is read and
 * checked on this class's own thread, never on an event loop, and installed with one reference swap: new handshakes
 * get it, open connections keep the one they have. {@link #reload} does the same at once (SIGHUP). A set that does
 * not load is refused with a log line and a count, and the old one goes on serving.
 */
public final class TlsCertificates implements Mapping<String, SslContext>, AutoCloseable {
    static final Duration POLL = Duration.ofMillis(150);
    private static final Logger log = LoggerFactory.getLogger(TlsCertificates.class);

    private final TlsSettings settings;
    private final Clock clock;
    private final ScheduledExecutorService loader = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "tls-certificates");
        thread.setDaemon(true);
        return thread;
    });
    private final Counter reloadsApplied;
    private final Counter reloadsRefused;
    private volatile CertificateSet current;
    private List<Object> seenStamps;
    private List<Object> pendingStamps;

    private TlsCertificates(TlsSettings settings, Clock clock, CertificateSet first, MeterRegistry registry) {
        this.settings = settings;
        this.clock = clock;
        this.current = first;
        this.seenStamps = stamps();
        reloadsApplied = Counter.builder("lb.tls.reloads").tag("result", "applied").description("Certificate reloads, by result").register(registry);
        reloadsRefused = Counter.builder("lb.tls.reloads").tag("result", "refused").description("Certificate reloads, by result").register(registry);
        Gauge.builder("lb.tls.certificate.expiry", this, TlsCertificates::secondsToNearestExpiry)
                .baseUnit("seconds").description("Seconds until the first of the served certificates expires").register(registry);
    }

    /** Loads the certificates (a bad one stops the start) and begins watching their files. */
    public static TlsCertificates start(TlsSettings settings, Clock clock, MeterRegistry registry) throws CertificateRefused {
        TlsCertificates certificates = new TlsCertificates(settings, clock, load(settings, clock), registry);
        certificates.loader.scheduleWithFixedDelay(certificates::lookForChanges, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
        return certificates;
    }

    private static CertificateSet load(TlsSettings settings, Clock clock) throws CertificateRefused {
        List<ServerCertificate> loaded = new ArrayList<>();
        for (CertificateFiles files : settings.certificates()) loaded.add(ServerCertificate.load(files, clock.instant()));
        List<OpenSslSessionTicketKey> ticketKeys = settings.ticketKeys().isPresent() ? TicketKeys.read(settings.ticketKeys().get()) : List.of();
        return CertificateSet.of(loaded, settings.provider(), ticketKeys);
    }

    public CertificateSet current() {
        return current;
    }

    public TlsProvider provider() {
        return settings.provider();
    }

    @Override
    public SslContext map(String sniName) {
        return current.forName(sniName);
    }

    /** Reads the files again now, off the caller's thread (SIGHUP). */
    public void reload() {
        loader.execute(() -> {
            seenStamps = stamps();
            pendingStamps = null;
            install("SIGHUP");
        });
    }

    private void lookForChanges() {
        List<Object> now = stamps();
        if (now.equals(seenStamps)) {
            pendingStamps = null;
        } else if (now.equals(pendingStamps)) { // changed, then still for one look: written whole
            seenStamps = now;
            pendingStamps = null;
            install("a file change");
        } else {
            pendingStamps = now;
        }
    }

    private void install(String why) {
        try {
            CertificateSet next = load(settings, clock);
            current = next;
            reloadsApplied.increment();
            for (ServerCertificate c : next.certificates()) {
                log.info("TLS certificate reloaded on {}: {} serial {} names {} valid until {}", why, c.files().chain(), c.serial().toString(16), c.names(), c.notAfter());
            }
        } catch (CertificateRefused | RuntimeException e) {
            reloadsRefused.increment();
            log.error("TLS certificate reload on {} refused, the certificates loaded before go on serving: {}", why, e.getMessage());
        }
    }

    /** What tells a file changed: its modification time, size and inode (a rename or a symlink swap changes the last). */
    private List<Object> stamps() {
        List<Path> files = new ArrayList<>();
        for (CertificateFiles pair : settings.certificates()) {
            files.add(pair.chain());
            files.add(pair.key());
        }
        settings.ticketKeys().ifPresent(files::add);
        List<Object> stamps = new ArrayList<>();
        for (Path file : files) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                stamps.add(List.of(attributes.lastModifiedTime(), attributes.size(), Objects.toString(attributes.fileKey())));
            } catch (IOException e) {
                stamps.add("missing");
            }
        }
        return stamps;
    }

    double secondsToNearestExpiry() {
        return current.certificates().stream().mapToDouble(c -> Duration.between(clock.instant(), c.notAfter()).toSeconds()).min().orElse(0);
    }

    @Override
    public void close() {
        loader.shutdownNow();
    }
}

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificates the TLS port serves, and their live replacement. The files are looked at every
 * {@link #POLL} (a watch service misses the symlink swaps of Kubernetes secrets and some editors' renames); once a
 * change has stood still for one look, so that a file caught half-written is not taken, the set is read again on this
 * class's own thread, never on an event loop, and installed with one reference swap: new handshakes get it, open
 * connections keep the one they have. A pair whose files changed is checked as at start; one whose files did not is
 * kept as it is, so that a second certificate past its expiry (said in a warning) never blocks the renewal of the
 * first. {@link #reload} (SIGHUP) reads every pair again at once, changed or not: it is the operator's "read them now"
 * where the stamps hide a change (a copy that keeps the size and the modification time, a network filesystem's
 * attribute cache); a pair that no longer loads but whose files are unchanged is still kept. A set that does not load is
 * refused with a log line and a count, and the old one goes on serving.
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
    // the loader thread's alone: each file's stamp when the current set was read, when last looked at, and a change seen once
    private Map<Path, Object> loadedStamps;
    private Map<Path, Object> seenStamps;
    private Map<Path, Object> pendingStamps;

    private TlsCertificates(TlsSettings settings, Clock clock, MeterRegistry registry) {
        this.settings = settings;
        this.clock = clock;
        reloadsApplied = Counter.builder("lb.tls.reloads").tag("result", "applied").description("Certificate reloads, by result").register(registry);
        reloadsRefused = Counter.builder("lb.tls.reloads").tag("result", "refused").description("Certificate reloads, by result").register(registry);
        Gauge.builder("lb.tls.certificate.expiry", this, TlsCertificates::secondsToNearestExpiry)
                .baseUnit("seconds").description("Seconds until the first of the served certificates expires").register(registry);
    }

    /** Loads the certificates (a bad one stops the start) and begins watching their files. */
    public static TlsCertificates start(TlsSettings settings, Clock clock, MeterRegistry registry) throws CertificateRefused {
        TlsCertificates certificates = new TlsCertificates(settings, clock, registry);
        Map<Path, Object> stamps = certificates.stamps(); // before reading: a change while it reads is seen at the next look
        certificates.current = certificates.load(List.of(), Reading.CHANGED).set();
        certificates.loadedStamps = stamps;
        certificates.seenStamps = stamps;
        certificates.loader.scheduleWithFixedDelay(certificates::lookForChanges, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
        return certificates;
    }

    /** Which pairs a reload reads: those whose files changed (the watch), or all of them (SIGHUP). */
    private enum Reading { CHANGED, ALL }

    /** A set read, and the pairs in it that were read again and refused, so kept as they were loaded before. */
    private record Loaded(CertificateSet set, List<ServerCertificate> keptAfterRefusal) {
    }

    /** Reads the set; a pair in {@code unchanged} is kept as it is, unless {@code ALL} are read and it still loads. */
    private Loaded load(List<ServerCertificate> unchanged, Reading reading) throws CertificateRefused {
        List<ServerCertificate> loaded = new ArrayList<>();
        List<ServerCertificate> keptAfterRefusal = new ArrayList<>();
        for (CertificateFiles files : settings.certificates()) {
            Optional<ServerCertificate> kept = unchanged.stream().filter(c -> c.files().equals(files)).findFirst();
            if (kept.isEmpty()) {
                loaded.add(ServerCertificate.load(files, clock.instant()));
            } else if (reading == Reading.ALL) {
                try {
                    loaded.add(ServerCertificate.load(files, clock.instant()));
                } catch (CertificateRefused e) {
                    log.error("TLS certificate {} refused when read again ({}); its files look unchanged, so the one loaded before is still served",
                            files.chain(), e.getMessage());
                    loaded.add(kept.get());
                    keptAfterRefusal.add(kept.get());
                }
            } else {
                if (kept.get().notAfter().isBefore(clock.instant())) log.warn("TLS certificate {} expired on {} and is still served", files.chain(), kept.get().notAfter());
                loaded.add(kept.get());
            }
        }
        List<OpenSslSessionTicketKey> ticketKeys = settings.ticketKeys().isPresent() ? TicketKeys.read(settings.ticketKeys().get()) : List.of();
        return new Loaded(CertificateSet.of(loaded, settings.provider(), ticketKeys), keptAfterRefusal);
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
        try {
            loader.execute(() -> install("SIGHUP", stamps(), Reading.ALL));
        } catch (RejectedExecutionException closed) {
            // stopping: nothing to reload for
        }
    }

    private void lookForChanges() {
        try {
            Map<Path, Object> now = stamps();
            if (now.equals(seenStamps)) {
                pendingStamps = null;
            } else if (now.equals(pendingStamps)) { // changed, then still for one look: written whole
                install("a file change", now, Reading.CHANGED);
            } else {
                pendingStamps = now;
            }
        } catch (RuntimeException e) { // the watch must go on: an exception would end the schedule for good
            log.error("looking at the TLS certificate files failed: {}", e.toString());
        }
    }

    /** Reads the set again; the pairs whose files have not changed since the current set was read as {@code reading} says. */
    private void install(String why, Map<Path, Object> stamps, Reading reading) {
        seenStamps = stamps;
        pendingStamps = null;
        List<ServerCertificate> unchanged = current.certificates().stream()
                .filter(c -> Objects.equals(stamps.get(c.files().chain()), loadedStamps.get(c.files().chain()))
                        && Objects.equals(stamps.get(c.files().key()), loadedStamps.get(c.files().key())))
                .toList();
        try {
            Loaded next = load(unchanged, reading);
            current = next.set();
            loadedStamps = stamps;
            // a pair refused and kept is a refusal to count, though the others in the set were read again and applied
            if (!next.keptAfterRefusal().isEmpty()) reloadsRefused.increment();
            List<ServerCertificate> read = next.set().certificates().stream().filter(c -> !next.keptAfterRefusal().contains(c)).toList();
            if (!read.isEmpty()) reloadsApplied.increment();
            for (ServerCertificate c : read) {
                log.info("TLS certificate reloaded on {}: {} serial {} names {} valid until {}", why, c.files().chain(), c.serial().toString(16), c.names(), c.notAfter());
            }
        } catch (CertificateRefused | RuntimeException e) {
            reloadsRefused.increment();
            log.error("TLS certificate reload on {} refused, the certificates loaded before go on serving: {}", why, e.getMessage());
        }
    }

    /** What tells each file changed: its modification time, size and inode (a rename or a symlink swap changes the last). */
    private Map<Path, Object> stamps() {
        List<Path> files = new ArrayList<>();
        for (CertificateFiles pair : settings.certificates()) {
            files.add(pair.chain());
            files.add(pair.key());
        }
        settings.ticketKeys().ifPresent(files::add);
        Map<Path, Object> stamps = new LinkedHashMap<>();
        for (Path file : files) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                stamps.put(file, List.of(attributes.lastModifiedTime(), attributes.size(), Objects.toString(attributes.fileKey())));
            } catch (IOException e) {
                stamps.put(file, "missing");
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

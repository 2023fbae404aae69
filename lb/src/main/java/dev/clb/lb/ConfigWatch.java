package dev.clb.lb;

import dev.clb.lb.config.LoadBalancerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the configuration file on SIGHUP ({@link #reload}) and when it changes: as the TLS certificates are watched,
 * its stamp (modification time, size, inode) is looked at every {@link #POLL}, and a change is taken once it stood still
 * for one look, so that a file caught half-written is not. Each reload reads the whole configuration again, by the code
 * of the start, and hands it to {@link Reconfiguration#reload}; one that does not read is refused there, counted and
 * logged. All on this class's own thread, one reload at a time.
 */
final class ConfigWatch implements AutoCloseable {
    static final Duration POLL = Duration.ofMillis(150);
    private static final Logger log = LoggerFactory.getLogger(ConfigWatch.class);

    private final Path file;
    private final Supplier<LoadBalancerConfig> configuration;
    private final Reconfiguration reconfiguration;
    private final ScheduledExecutorService loader = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "config-watch");
        thread.setDaemon(true);
        return thread;
    });
    // the loader thread's alone
    private Object seen;
    private Object pending;

    private ConfigWatch(Path file, Supplier<LoadBalancerConfig> configuration, Reconfiguration reconfiguration) {
        this.file = file;
        this.configuration = configuration;
        this.reconfiguration = reconfiguration;
    }

    /** {@code configuration}: reads the whole configuration again (IllegalArgumentException naming what it refuses). */
    static ConfigWatch start(Path file, Supplier<LoadBalancerConfig> configuration, Reconfiguration reconfiguration) {
        ConfigWatch watch = new ConfigWatch(file, configuration, reconfiguration);
        watch.seen = watch.stamp();
        watch.loader.scheduleWithFixedDelay(watch::lookForChange, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
        return watch;
    }

    /** Reads the file again now, off the caller's thread (SIGHUP). */
    void reload() {
        try {
            loader.execute(() -> {
                seen = stamp();
                pending = null;
                apply("SIGHUP");
            });
        } catch (RejectedExecutionException closed) {
            // stopping: nothing to reload for
        }
    }

    private void lookForChange() {
        Object now = stamp();
        if (now.equals(seen)) {
            pending = null;
        } else if (now.equals(pending)) { // changed, then still for one look: written whole
            seen = now;
            pending = null;
            apply("a change of " + file);
        } else {
            pending = now;
        }
    }

    private void apply(String why) {
        long start = System.nanoTime();
        try {
            LoadBalancerConfig next = configuration.get();
            long read = System.nanoTime();
            reconfiguration.reload(next, why);
            log.info("configuration reload on {} took {} ms, {} ms of it reading the configuration", why, (System.nanoTime() - start) / 1_000_000,
                    (read - start) / 1_000_000);
        } catch (RuntimeException e) { // a bad file, or anything else: refused, and the watch goes on
            reconfiguration.refused(why, List.of(Objects.toString(e.getMessage(), e.toString())));
        }
    }

    private Object stamp() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(attributes.lastModifiedTime(), attributes.size(), Objects.toString(attributes.fileKey()));
        } catch (IOException e) {
            return "missing";
        }
    }

    @Override
    public void close() {
        loader.shutdownNow();
    }
}

package dev.clb.lb.observability;

import dev.clb.lb.backend.Replica;
import dev.clb.lb.proxy.ProxyEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per client request: {@code time client method uri protocol status replica attempts duration_ms}, e.g.
 * {@code 2026-11-25T15:30:01.123Z 127.0.0.1 GET /home HTTP/1.1 200 server-1 1 0.412}.
 *
 * <p>The event loops only offer the exchange to a bounded lock-free queue; one writer thread formats and
 * writes in batches, flushing when the queue runs dry. When the queue is full the line is dropped and counted
 * ({@code lb_access_log_dropped_total}): logging never makes the proxy wait.
 */
public final class AccessLog implements ProxyEvents, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    private static final int CAPACITY = 1 << 16;
    private static final int BATCH = 1024;
    /**
     * How long the writer sleeps once the queue is empty (after a flush): lines reach the file within about that. At 2 ms
     * its wake-ups and flushes (a write each) were three quarters of its CPU time under load.
     */
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** The time up to the second, formatted once per second: a formatter per line was most of the writer's work. */
    private static final DateTimeFormatter TO_THE_SECOND = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final MpscArrayQueue<Exchange> queue = new MpscArrayQueue<>(CAPACITY);
    private final Counter dropped;
    private final Writer out;
    private final boolean closeOut;
    private final Thread writer;
    private final StringBuilder line = new StringBuilder(160);
    private long second = Long.MIN_VALUE;
    private String secondText = "";
    private volatile boolean running = true;

    AccessLog(Writer out, boolean closeOut, MeterRegistry registry) {
        this.out = out;
        this.closeOut = closeOut;
        this.dropped = Counter.builder("lb.access.log.dropped").description("Access log lines dropped because the writer fell behind")
                .register(registry);
        this.writer = new Thread(this::writeUntilClosed, "access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Where the lines go: a file to append to, or standard output when {@code file} is empty. A file whose directory
     * does not exist is refused here, so that a bad path stops the start before anything runs.
     */
    public record Destination(Optional<Path> file) {
        /** Refuses, before anything starts, a file that cannot be written: its directory or permissions say so. */
        public Destination {
            if (file.isPresent()) {
                Path path = file.get();
                Path parent = path.toAbsolutePath().getParent();
                if (parent != null && !Files.isDirectory(parent)) throw cannotWrite(path, "its directory does not exist");
                if (Files.isDirectory(path)) throw cannotWrite(path, "it is a directory");
                if (Files.exists(path) ? !Files.isWritable(path) : parent != null && !Files.isWritable(parent)) {
                    throw cannotWrite(path, "permission denied");
                }
            }
        }

        /** The destination {@code target} names: {@code stdout}, {@code off} (none), or a file. */
        public static Optional<Destination> named(String target) {
            String where = target == null ? "stdout" : target.trim();
            if (where.equalsIgnoreCase("off")) return Optional.empty();
            if (where.equalsIgnoreCase("stdout")) return Optional.of(new Destination(Optional.empty()));
            if (where.isEmpty()) throw new IllegalArgumentException("the access log must go to stdout, off or a file");
            return Optional.of(new Destination(Optional.of(Path.of(where))));
        }
    }

    /** Starts writing to {@code destination}; a file that cannot be opened after all is refused as {@link Destination} refuses one. */
    public static AccessLog open(Destination destination, MeterRegistry registry) {
        if (destination.file().isEmpty()) {
            Writer stdout = new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8);
            return new AccessLog(new BufferedWriter(stdout, 1 << 16), false, registry);
        }
        Path path = destination.file().get();
        try {
            Writer file = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(path, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND), StandardCharsets.UTF_8), 1 << 16);
            return new AccessLog(file, true, registry);
        } catch (IOException e) {
            // a FileSystemException's message is the path; its reason, when the system gave one, is the why
            String reason = e instanceof FileSystemException refused ? Optional.ofNullable(refused.getReason())
                    .orElse(e instanceof AccessDeniedException ? "permission denied" : e.getClass().getSimpleName()) : e.getMessage();
            throw cannotWrite(path, reason);
        }
    }

    /** The refusal of a file the access log cannot write, as the option that named it is refused. */
    private static IllegalArgumentException cannotWrite(Path path, String reason) {
        return new IllegalArgumentException("cannot write " + path + ": " + reason);
    }

    @Override
    public void completed(Exchange exchange) {
        if (!queue.offer(exchange)) dropped.increment();
    }

    @Override
    public void retried(Replica failed) {
    }

    private void writeUntilClosed() {
        try {
            while (running) {
                if (queue.drain(this::write, BATCH) == 0) {
                    out.flush();
                    LockSupport.parkNanos(IDLE_PARK_NANOS);
                }
            }
            queue.drain(this::write);
            out.flush();
        } catch (IOException | UncheckedIOException e) {
            log.error("access log stopped: cannot write: {}", e.getMessage());
        }
    }

    private void write(Exchange e) {
        line.setLength(0);
        long epochSecond = Math.floorDiv(e.startEpochMillis(), 1000L);
        if (epochSecond != second) {
            second = epochSecond;
            secondText = TO_THE_SECOND.format(Instant.ofEpochSecond(epochSecond));
        }
        int millis = (int) Math.floorMod(e.startEpochMillis(), 1000L);
        line.append(secondText).append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10)).append((char) ('0' + millis % 10))
                .append('Z').append(' ').append(e.client()).append(' ').append(e.method()).append(' ').append(e.uri()).append(' ').append(e.edge().protocol()).append(' ').append(e.status())
                .append(' ').append(e.replica().isPresent() ? e.replica().get().hostname() : "-").append(' ').append(e.attempts()).append(' ');
        long micros = e.durationNanos() / 1_000;
        line.append(micros / 1_000).append('.');
        long fraction = micros % 1_000;
        if (fraction < 100) line.append('0');
        if (fraction < 10) line.append('0');
        line.append(fraction).append('\n');
        try {
            out.append(line);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Writes what is queued, then stops the writer. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
            if (closeOut) out.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.warn("closing the access log: {}", e.getMessage());
        }
    }
}

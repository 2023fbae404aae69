package dev.clb.analyzer.traffic;

import java.io.Console;
import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A one-line progress bar for a run, redrawn in place ten times a second, only when the output is a terminal;
 * elsewhere (a pipe, a file, CI) it draws nothing, and the caller's one line per run is all that is printed.
 */
public final class ProgressBar implements AutoCloseable {
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final String label;
    private final TrafficRunner.Run run;
    private final ScheduledExecutorService redraw;

    private ProgressBar(PrintStream out, String label, TrafficRunner.Run run, boolean draw) {
        this.out = out;
        this.label = label;
        this.run = run;
        this.redraw = draw ? Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "progress");
            t.setDaemon(true);
            return t;
        }) : null;
        if (draw) redraw.scheduleAtFixedRate(this::draw, 0, 100, TimeUnit.MILLISECONDS);
    }

    public static ProgressBar show(PrintStream out, String label, TrafficRunner.Run run) {
        return new ProgressBar(out, label, run, interactive());
    }

    /** Whether standard output is a terminal; from JDK 22 on System.console() alone no longer says so. */
    static boolean interactive() {
        Console console = System.console();
        if (console == null) return false;
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    static String line(String label, int done, int total, double seconds) {
        int filled = total == 0 ? WIDTH : (int) ((long) done * WIDTH / total);
        return String.format("  %-28s [%s%s] %6d/%d %3d%% %6.0f req/s", label, "#".repeat(filled), ".".repeat(WIDTH - filled),
                done, total, total == 0 ? 100 : done * 100L / total, seconds > 0 ? done / seconds : 0);
    }

    private void draw() {
        out.print("\r" + line(label, run.done(), run.total(), run.elapsedNanos() / 1e9));
        out.flush();
    }

    /** Stops redrawing and clears the line, so the caller's summary line takes its place. */
    @Override
    public void close() {
        if (redraw == null) return;
        redraw.shutdownNow();
        try {
            redraw.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.print("\r" + " ".repeat(line(label, run.total(), run.total(), 1).length()) + "\r");
        out.flush();
    }
}

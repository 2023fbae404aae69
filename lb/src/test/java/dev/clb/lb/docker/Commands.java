package dev.clb.lb.docker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs commands (docker, make, scripts) from the project root with a bounded wait, for the Docker end-to-end tests. */
public final class Commands {
    public static final Path ROOT = Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();

    public record Result(int exitCode, String out) {
        public List<String> lines() {
            return out.lines().map(String::trim).filter(s -> !s.isEmpty()).toList();
        }

        public Result expectOk(String what) {
            if (exitCode != 0) throw new AssertionError(what + " failed (" + exitCode + "):\n" + out);
            return this;
        }
    }

    private final Map<String, String> environment;

    public Commands(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    public Result run(Duration limit, String... command) throws InterruptedException {
        return run(limit, List.of(command));
    }

    public Result run(Duration limit, List<String> command) throws InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return new Result(127, e.getMessage());
        }
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                out.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.append(e);
            }
        });
        reader.start();
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            reader.join(5_000);
            return new Result(124, "timed out after " + limit + ": " + command + "\n" + out);
        }
        reader.join(5_000);
        return new Result(process.exitValue(), out.toString());
    }

    static List<String> with(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all;
    }
}

package dev.clb.analyzer.experiments;

import dev.clb.analyzer.deploy.Deployment;
import dev.clb.analyzer.deploy.Deployments;
import dev.clb.analyzer.output.ResultFiles;
import dev.clb.analyzer.results.RunResult;
import dev.clb.analyzer.results.Scaling;
import dev.clb.analyzer.settings.Settings;
import dev.clb.analyzer.settings.Setup;
import dev.clb.analyzer.traffic.TrafficRunner;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * What the experiments of one invocation share: the settings, one HTTP client (its dispatcher allows
 * {@code concurrency} requests in flight, its pool keeps as many connections), the output directory, every run
 * measured (for the summary), the runs at N = 3 and N = 2..6 per setup (A-4 and A-5 reuse those of ), and
 * the deployment in use.
 *
 * <p>One deployment at a time: experiments with the same setup share it, scaled to the N each needs (so a local
 * load balancer is started once per setup); asking for another setup stops it and opens the next.
 */
public final class Session implements AutoCloseable {
    private final Settings settings;
    private final PrintStream out;
    private final OkHttpClient http;
    private final TrafficRunner traffic;
    private final Deployments deployments;
    private final ResultFiles files;
    private final List<RunResult> runs = new ArrayList<>();
    final Map<String, Optional<Measured>> homeRuns = new HashMap<>();
    final Map<String, Optional<Scaling>> scalings = new HashMap<>();
    private Deployment current;
    /** Setups whose load balancer could not be opened: the other experiments that need them fail at once with the same error. */
    private final Map<String, IOException> unopenable = new HashMap<>();

    public Session(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
        this.http = httpClient(settings.concurrency());
        this.traffic = new TrafficRunner(http);
        this.deployments = new Deployments(settings, http, out);
        this.files = new ResultFiles(settings.out());
    }

    static OkHttpClient httpClient(int concurrency) {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(concurrency);
        dispatcher.setMaxRequestsPerHost(concurrency);
        return new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .connectionPool(new ConnectionPool(concurrency, 5, TimeUnit.MINUTES))
                // a failure is counted, never hidden by a silent retry
                .retryOnConnectionFailure(false)
                .connectTimeout(Duration.ofSeconds(5))
                .readTimeout(Duration.ofSeconds(60))
                .callTimeout(Duration.ofSeconds(90))
                .build();
    }

    public Settings settings() {
        return settings;
    }

    public PrintStream out() {
        return out;
    }

    public TrafficRunner traffic() {
        return traffic;
    }

    public Deployments deployments() {
        return deployments;
    }

    public ResultFiles files() {
        return files;
    }

    /** A deployment running {@code setup}, scaled to {@code replicas}; empty in remote mode when no load balancer runs it. */
    Optional<Deployment> deployment(Setup setup, int replicas) throws IOException, InterruptedException {
        if (current != null && current.setup().equals(setup)) {
            deployments.admin(current.url()).scaleTo(replicas);
            return Optional.of(current);
        }
        release();
        IOException failed = unopenable.get(setup.name());
        if (failed != null) throw new IOException("(as before) " + failed.getMessage(), failed);
        Optional<Deployment> opened;
        try {
            opened = deployments.open(setup, replicas);
        } catch (IOException e) {
            unopenable.put(setup.name(), e);
            throw e;
        }
        current = opened.orElse(null);
        return opened;
    }

    /** Stops (or puts back) the deployment in use. */
    void release() throws IOException {
        if (current == null) return;
        Deployment done = current;
        current = null;
        done.close();
    }

    void record(RunResult run) {
        runs.add(run);
    }

    /** Every run measured so far, in order. */
    public List<RunResult> runs() {
        return List.copyOf(runs);
    }

    @Override
    public void close() {
        try {
            release();
        } catch (IOException e) {
            out.println("could not put the load balancer back as it was: " + e.getMessage());
        }
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}

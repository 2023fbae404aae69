package dev.clb.analyzer.experiments;

import dev.clb.analyzer.Settings;
import dev.clb.analyzer.Setup;
import dev.clb.analyzer.deploy.Deployment;
import dev.clb.analyzer.deploy.Deployments;
import dev.clb.analyzer.deploy.RingView;
import dev.clb.analyzer.output.Charts;
import dev.clb.analyzer.stats.Concurrency;
import dev.clb.analyzer.stats.Latencies;
import dev.clb.analyzer.traffic.ProgressBar;
import dev.clb.analyzer.traffic.TrafficResult;
import dev.clb.analyzer.traffic.TrafficRunner;
import dev.clb.analyzer.traffic.Zipf;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * hot keys. Request ids drawn with Zipf popularity ({@value #KEYS} keys, s = {@value #EXPONENT}, seeded) go to
 * {@code /test/delay?ms=}{@value #DELAY_MS}, so each request holds its replica a few ms, with exactly {@code --concurrency}
 * requests in flight, through N = 3 replicas; for each strategy with and without bounded loads: the busiest replica's share
 * of the requests in flight and of those completed (counted by the client from the answers), and the latencies.
 */
public final class A6HotKeys implements Experiment {
    static final int REPLICAS = 3;
    static final int KEYS = 1000;
    static final double EXPONENT = 1.1;
    static final int DELAY_MS = 5;
    static final List<Setup> SETUPS = List.of(Setup.ASSIGNMENT, Setup.RING, Setup.MAGLEV, Setup.ASSIGNMENT_BOUNDED, Setup.RING_BOUNDED,
            Setup.MAGLEV_BOUNDED);
    /** Key popularity is drawn from another stream than the uniform ids. */
    private static final long KEY_SEED_SALT = 0x2545F4914F6CDD1DL;

    private final List<HotKeys> results = new ArrayList<>();
    private final List<String> notMeasured = new ArrayList<>();

    @Override
    public String id() {
        return "a6";
    }

    @Override
    public String title() {
        return "A-6: hot keys, with and without bounded loads";
    }

    @Override
    public List<Setup> setups(Settings settings) {
        return SETUPS;
    }

    @Override
    public void measure(Session session, Setup setup) throws Exception {
        Optional<Deployment> opened = session.deployment(setup, REPLICAS);
        if (opened.isEmpty()) {
            notMeasured.add(setup.name() + ": " + Deployments.missing(setup));
            session.out().println("  a6: " + setup.name() + " not measured: " + Deployments.missing(setup));
            return;
        }
        Deployment deployment = opened.get();
        var settings = session.settings();
        RingView ring = session.deployments().management(deployment).ring();
        Zipf zipf = new Zipf(KEYS, EXPONENT, settings.seed() ^ KEY_SEED_SALT);
        long[] ids = zipf.sample(settings.seed(), settings.requests());
        int warmupBatches = MeasuredRun.warmUp(session, deployment);
        String label = "a6 " + setup.name();
        TrafficRunner.Run run = session.traffic().startClosedLoop(deployment.url(), "/test/delay?ms=" + DELAY_MS, ids, settings.concurrency());
        TrafficResult traffic;
        try (ProgressBar bar = ProgressBar.show(session.out(), label, run)) {
            traffic = run.await();
        }
        HotKeys result = HotKeys.of(setup, ring, settings.concurrency(), zipf, traffic);
        session.out().printf("  %-28s %6d ok, %d failed in %.2f s (%.0f req/s): busiest replica %.1f%% in flight, %.1f%% completed; %s%s%n",
                label, result.ok(), result.failed(), result.seconds(), result.perSecond(), 100 * result.busiestInFlightShare(),
                100 * result.busiestCompletedShare(), result.latencies(), warmupBatches > 0 ? " [after " + warmupBatches + " warm-up batches]" : "");
        results.add(result);
    }

    @Override
    public boolean report(Session session) throws Exception {
        if (results.isEmpty()) throw new IllegalStateException("no setup could be measured: " + notMeasured);
        var settings = session.settings();
        Optional<A6Result> before = settings.onlySetups().isEmpty() ? Optional.empty() : session.files().read("a6", A6Result.class);
        A6Result result = new A6Result(Provenance.of(settings), KEYS, EXPONENT, DELAY_MS,
                Merge.bySetup(settings, results, before.map(A6Result::results).orElse(List.of()), HotKeys::setup),
                Merge.notMeasured(settings, notMeasured, before.map(A6Result::notMeasured).orElse(List.of())));
        session.files().json("a6", result);
        List<List<Object>> rows = new ArrayList<>();
        for (HotKeys h : result.results()) {
            for (String replica : h.completed().keySet()) {
                rows.add(List.of(h.setup(), replica, h.completed().get(replica), h.meanInFlight().get(replica), h.peakInFlight().get(replica),
                        h.latencies().p50(), h.latencies().p99(), h.latencies().max(), h.failed()));
            }
        }
        session.files().csv("a6", List.of("setup", "replica", "completed", "mean_in_flight", "peak_in_flight", "p50_ms", "p99_ms", "max_ms",
                "failed"), rows);
        Charts.hotKeyShares(result, session.files().png("a6-busiest-share"));
        Charts.hotKeyLatencies(result, session.files().png("a6-latency"));
        return result.passed();
    }

    /**
     * One setup under Zipf traffic.
     *
     * @param hottestKeyShare the most popular key's share of the requests, by the distribution
     * @param boundShare      with bounded loads, the most of all requests in flight one replica may hold: ceil(c (C + 1) / N) / C
     *                        for C in flight; 0 without
     */
    public record HotKeys(String setup, String label, String placement, int n, int concurrency, int requests, int ok, int failed,
                          double seconds, double perSecond, double hottestKeyShare, double boundShare, Map<String, Long> completed,
                          Map<String, Double> meanInFlight, Map<String, Integer> peakInFlight, double busiestCompletedShare,
                          double busiestInFlightShare, Latencies latencies, String typicalError) {

        static HotKeys of(Setup setup, RingView ring, int concurrency, Zipf zipf, TrafficResult traffic) {
            Concurrency load = Concurrency.of(traffic.outcomes(), traffic.durationNanos());
            int n = ring.replicas().size();
            double bound = setup.isBounded() ? Math.ceil(setup.boundedLoad() * (concurrency + 1) / n) / concurrency : 0;
            return new HotKeys(setup.name(), setup.label(), ring.describe(), n, concurrency, traffic.outcomes().size(), traffic.ok(),
                    traffic.failed(), traffic.seconds(), traffic.perSecond(), zipf.probability(1), bound, load.completed(), load.meanInFlight(),
                    load.peakInFlight(), load.busiestCompletedShare(), load.busiestInFlightShare(), Latencies.of(traffic.outcomes()),
                    traffic.typicalError());
        }
    }
}

package dev.clb.analyzer.experiments;

import dev.clb.analyzer.deploy.Deployment;
import dev.clb.analyzer.deploy.Deployments;
import dev.clb.analyzer.deploy.RingView;
import dev.clb.analyzer.output.Charts;
import dev.clb.analyzer.output.Markdown;
import dev.clb.analyzer.output.ReportText;
import dev.clb.analyzer.output.ResultFiles;
import dev.clb.analyzer.results.A6Result;
import dev.clb.analyzer.results.HotKeys;
import dev.clb.analyzer.results.Provenance;
import dev.clb.analyzer.settings.Settings;
import dev.clb.analyzer.settings.Setup;
import dev.clb.analyzer.traffic.ProgressBar;
import dev.clb.analyzer.traffic.TrafficResult;
import dev.clb.analyzer.traffic.TrafficRunner;
import dev.clb.analyzer.traffic.Zipf;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * hot keys. Request ids drawn with Zipf popularity ({@value #KEYS} keys, s = {@value #EXPONENT}, seeded) go to
 * {@code /test/delay?ms=}{@value #DELAY_MS}, so each request holds its replica a few ms, with exactly {@code --concurrency}
 * requests in flight, through N = 3 replicas; for each strategy with and without bounded loads: the busiest replica's share
 * of the requests in flight and of those completed (counted by the client from the answers), and the latencies.
 */
public final class A6HotKeys implements Experiment<A6Result> {
    static final int REPLICAS = 3;
    static final int KEYS = 1000;
    static final double EXPONENT = 1.1;
    static final int DELAY_MS = 5;
    static final List<Setup> SETUPS = List.of(Setup.ASSIGNMENT, Setup.RING, Setup.MAGLEV, Setup.ASSIGNMENT_BOUNDED, Setup.RING_BOUNDED,
            Setup.MAGLEV_BOUNDED);
    /** Key popularity is drawn from another stream than the uniform ids. */
    private static final long KEY_SEED_SALT = 0x2545F4914F6CDD1DL;
    private static final String SHARES_CHART = "a6-busiest-share.png";
    private static final String LATENCY_CHART = "a6-latency.png";

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
    public A6Result result(Session session) throws IOException {
        if (results.isEmpty()) throw new IllegalStateException("no setup could be measured: " + notMeasured);
        var settings = session.settings();
        Optional<A6Result> before = settings.onlySetups().isEmpty() ? Optional.empty() : session.files().read("a6", A6Result.class);
        return new A6Result(Provenance.of(settings), KEYS, EXPONENT, DELAY_MS,
                Merge.bySetup(settings, results, before.map(A6Result::results).orElse(List.of()), HotKeys::setup),
                Merge.notMeasured(settings, notMeasured, before.map(A6Result::notMeasured).orElse(List.of())));
    }

    @Override
    public Class<A6Result> resultType() {
        return A6Result.class;
    }

    @Override
    public void writeTables(A6Result result, ResultFiles files) throws IOException {
        List<List<Object>> rows = new ArrayList<>();
        for (HotKeys h : result.results()) {
            for (String replica : h.completed().keySet()) {
                rows.add(List.of(h.setup(), replica, h.completed().get(replica), h.meanInFlight().get(replica), h.peakInFlight().get(replica),
                        h.latencies().p50(), h.latencies().p99(), h.latencies().max(), h.failed()));
            }
        }
        files.csv("a6", List.of("setup", "replica", "completed", "mean_in_flight", "peak_in_flight", "p50_ms", "p99_ms", "max_ms",
                "failed"), rows);
    }

    @Override
    public void drawCharts(A6Result result, ResultFiles files) throws IOException {
        sharesChart(result, files.path(SHARES_CHART));
        latencyChart(result, files.path(LATENCY_CHART));
    }

    /** The busiest replica's share of the requests in flight and of those completed, per setup. */
    static void sharesChart(A6Result result, Path file) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (HotKeys h : result.results()) {
            data.addValue(100 * h.busiestInFlightShare(), "busiest replica's share of requests in flight (time-averaged)", h.label());
            data.addValue(100 * h.busiestCompletedShare(), "busiest replica's share of requests completed", h.label());
        }
        CategoryPlot plot = Charts.barPlot(data, "setup", "% of all requests");
        plot.getDomainAxis().setTickLabelFont(Charts.LABEL);
        ((BarRenderer) plot.getRenderer()).setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}%", new DecimalFormat("0.0")));
        ((NumberAxis) plot.getRangeAxis()).setNumberFormatOverride(new DecimalFormat("0"));
        HotKeys first = result.results().get(0);
        plot.addRangeMarker(Charts.horizontalMarker(100.0 / first.n(), "even: 1/" + first.n()), Layer.FOREGROUND);
        result.results().stream().filter(h -> h.boundShare() > 0).findFirst().ifPresent(h -> plot.addRangeMarker(Charts.horizontalMarker(100 * h.boundShare(),
                String.format("bound: ceil(%.2f x (%d + 1) / %d) = %d of %d in flight", Setup.BOUNDED, h.concurrency(), h.n(),
                        Math.round(h.boundShare() * h.concurrency()), h.concurrency())), Layer.FOREGROUND));
        Charts.save(Charts.chart(String.format("A-6: hot keys: Zipf s = %.1f over %,d keys, %d in flight, replicas hold each request %d ms (N = %d)",
                result.exponent(), result.keys(), first.concurrency(), result.delayMs(), first.n()), plot,
                String.format("%,d requests per setup; the hottest key alone is %.1f%% of them", first.requests(), 100 * first.hottestKeyShare())), file);
    }

    /** Latency percentiles per setup. */
    static void latencyChart(A6Result result, Path file) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (HotKeys h : result.results()) {
            data.addValue(h.latencies().p50(), "p50", h.label());
            data.addValue(h.latencies().p99(), "p99", h.label());
            data.addValue(h.latencies().max(), "max", h.label());
        }
        CategoryPlot plot = Charts.barPlot(data, "setup", "latency seen by the client, ms");
        plot.getDomainAxis().setTickLabelFont(Charts.LABEL);
        ((BarRenderer) plot.getRenderer()).setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("0.0")));
        ((NumberAxis) plot.getRangeAxis()).setNumberFormatOverride(new DecimalFormat("0"));
        plot.addRangeMarker(Charts.horizontalMarker(result.delayMs(), "the replica's own hold: " + result.delayMs() + " ms"), Layer.FOREGROUND);
        HotKeys first = result.results().get(0);
        Charts.save(Charts.chart("A-6: latency under hot keys per setup (" + first.concurrency() + " in flight, N = " + first.n() + ")", plot,
                "from the client handing a request to the connection until its answer; a replica holding more requests in flight queues them"), file);
    }

    @Override
    public void writeSection(A6Result result, Markdown md) {
        md.heading(2, "A-6: hot keys");
        md.paragraph(ReportText.measured(result.provenance()));
        HotKeys first = result.results().get(0);
        md.paragraph(String.format(Locale.ROOT, """
                Key popularity follows Zipf's law with s = %.1f over %,d keys (key k is requested in proportion to 1/k^s; each key is
                a fixed six-digit id drawn from the seed), as real traffic is skewed: the hottest key alone is %s of the requests.
                %,d such requests went to `/test/delay?ms=%d`, which answers like `/home` after holding the request %d ms, with
                exactly %d in flight at all times (each answer sends the next request), through N = %d replicas. The client counts
                per replica from the answers: requests completed, and requests in flight, averaged over the run (each request's
                latency summed per replica over the duration, Little's law) and at the peak. With bounded loads %.2f, a replica
                may hold at most ceil(%.2f × (all in flight + 1) / N) requests: %d of %d here.""",
                result.exponent(), result.keys(), ReportText.pct(first.hottestKeyShare()), first.requests(), result.delayMs(), result.delayMs(),
                first.concurrency(), first.n(), Setup.BOUNDED, Setup.BOUNDED,
                (int) Math.ceil(Setup.BOUNDED * (first.concurrency() + 1) / first.n()), first.concurrency()));
        result.notMeasured().forEach(why -> md.paragraph("Not measured: " + why));
        md.image("A-6: busiest replica's share per setup", SHARES_CHART);
        md.image("A-6: latency per setup", LATENCY_CHART);
        md.table(List.of("setup", "busiest share in flight", "busiest share completed", "peak in flight at one replica", "p50", "p99", "max", "req/s",
                "failed"), result.results().stream().map(h -> List.of("`" + h.setup() + "`", ReportText.pct(h.busiestInFlightShare()),
                ReportText.pct(h.busiestCompletedShare()), String.valueOf(h.peakInFlight().values().stream().mapToInt(Integer::intValue).max().orElse(0)),
                ReportText.ms(h.latencies().p50()), ReportText.ms(h.latencies().p99()), ReportText.ms(h.latencies().max()), String.format(Locale.ROOT, "%.0f", h.perSecond()),
                String.valueOf(h.failed()))).toList());
        md.paragraph("""
                How to read it: without bounds, the busiest replica's share is whatever the hottest keys and the placement give
                it; with bounds, the load balancer keeps its own count of what each replica holds under the bound. The client's
                peak counts a request from its send to its answer, including the time in the load balancer and on the wire, so it
                can exceed that bound. Latencies on this shared two-core machine carry its noise (other processes compete for the
                cores), so compare the shares first and the latencies only where they differ by a lot.""");
    }

    @Override
    public Optional<String> tradeOff(A6Result result) {
        return Optional.of(String.format(Locale.ROOT, """
                **Hot keys.** No placement can split one key: all of its requests go to one replica, so under Zipf traffic the
                replica that draws the hottest keys is busier than its share of the id space says. The busiest replica's share of
                the requests in flight, and the p99 latency: %s. Bounded loads cap what one replica holds at once and send the
                overflow to the next replica in the strategy's order, which spreads the hot key's requests at the price of
                those requests' locality (a cache on the hot key's replica sees fewer of them).""",
                result.results().stream().map(h -> String.format(Locale.ROOT, "`%s` %s, p99 %s", h.setup(), ReportText.pct(h.busiestInFlightShare()),
                        ReportText.ms(h.latencies().p99()))).collect(Collectors.joining("; "))));
    }
}

package dev.clb.analyzer.experiments;

import dev.clb.analyzer.deploy.AdminClient;
import dev.clb.analyzer.deploy.Deployment;
import dev.clb.analyzer.deploy.RingView;
import dev.clb.analyzer.output.Charts;
import dev.clb.analyzer.output.Markdown;
import dev.clb.analyzer.output.ReportText;
import dev.clb.analyzer.output.ResultFiles;
import dev.clb.analyzer.results.A7Result;
import dev.clb.analyzer.results.Provenance;
import dev.clb.analyzer.results.SlowStartRun;
import dev.clb.analyzer.settings.Settings;
import dev.clb.analyzer.settings.Setup;
import dev.clb.analyzer.stats.Latencies;
import dev.clb.analyzer.traffic.Outcome;
import dev.clb.analyzer.traffic.ProgressBar;
import dev.clb.analyzer.traffic.RequestIds;
import dev.clb.analyzer.traffic.TrafficResult;
import dev.clb.analyzer.traffic.TrafficRunner;
import java.awt.BasicStroke;
import java.awt.geom.Ellipse2D;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * slow start. The same failure twice, on two fresh local load balancers (maglev, N = 3, one warm standby): paced
 * traffic over a fixed pool of ids, the replica on ring id 1 killed, its standby swapped in; once without a slow
 * start, once with {@code --slow-start} {@value #WINDOW_MILLIS}. Per second after the replacement joined: the share of
 * its seat's requests it answered, and the latency (p50, p99) of those it answered; and how many ids changed replica
 * twice after the join (A-5's measure of a key moving back and forth).
 */
public final class A7SlowStart implements Experiment<A7Result> {
    static final int REPLICAS = 3;
    static final long WINDOW_MILLIS = 10_000;
    static final double PER_SECOND = 300;
    static final double KILL_AT_SECONDS = 3.0;
    static final double TRAFFIC_SECONDS = 18.0;
    /** Ids drawn from a pool this large, so that each is sent many times and a move is seen. */
    static final int ID_POOL = 900;
    /** Seconds after the join that are binned: the window and a few after it. */
    static final int BINS = 14;
    private static final long POLL_MILLIS = 5;
    private static final long GIVE_UP_NANOS = 30_000_000_000L;
    private static final String SHARE_CHART = "a7-slow-start-share.png";
    private static final String LATENCY_CHART = "a7-slow-start-latency.png";
    private final List<SlowStartRun> runs = new ArrayList<>();
    private String placement;

    @Override
    public String id() {
        return "a7";
    }

    @Override
    public String title() {
        return "A-7: slow start, a replacement's share and latency with and without it";
    }

    /** Maglev: every replica holds a third of the ids, so the replacement's seat is a third of the traffic. */
    @Override
    public List<Setup> setups(Settings settings) {
        return List.of(Setup.MAGLEV);
    }

    @Override
    public void measure(Session session, Setup setup) throws Exception {
        session.release(); // its own load balancers, with options a shared one does not have
        for (long slowStart : List.of(0L, WINDOW_MILLIS)) {
            List<String> options = slowStart == 0 ? List.of() : List.of("--slow-start", Long.toString(slowStart));
            try (Deployment deployment = session.deployments().openLocal(setup, options, REPLICAS)) {
                SlowStartRun run = killUnderTraffic(session, deployment, slowStart);
                session.out().println(describe(run));
                runs.add(run);
            }
        }
    }

    @Override
    public A7Result result(Session session) {
        if (runs.isEmpty()) throw new IllegalStateException("nothing measured");
        return new A7Result(Provenance.of(session.settings()), placement, runs);
    }

    @Override
    public Class<A7Result> resultType() {
        return A7Result.class;
    }

    private SlowStartRun killUnderTraffic(Session session, Deployment deployment, long slowStart) throws IOException, InterruptedException {
        AdminClient admin = session.deployments().admin(deployment.url());
        var management = session.deployments().management(deployment);
        RingView before = management.ring();
        placement = before.describe();
        String victim = before.byRingId(1).orElse(before.replicas().get(0)).hostname();
        List<String> listed = admin.replicas();
        MeasuredRun.warmUp(session, deployment);
        long[] ids = ids(session.settings().seed());
        TrafficRunner.Run run = session.traffic().startPaced(deployment.url(), ids, PER_SECOND);
        long killAt, joinedAt;
        String replacement;
        Double windowEnds = null;
        TrafficResult traffic;
        try (ProgressBar bar = ProgressBar.show(session.out(), "a7 kill " + victim + (slowStart == 0 ? "" : ", slow start " + slowStart + " ms"), run)) {
            long wait = (long) (KILL_AT_SECONDS * 1e9) - run.elapsedNanos();
            if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            killAt = run.elapsedNanos();
            deployment.kill(victim);
            replacement = null;
            while (replacement == null) {
                if (run.elapsedNanos() - killAt > GIVE_UP_NANOS) throw new IOException("no replacement for " + victim + " within 30 s");
                replacement = admin.replicas().stream().filter(name -> !listed.contains(name)).findFirst().orElse(null);
                if (replacement == null) Thread.sleep(POLL_MILLIS);
            }
            joinedAt = run.elapsedNanos();
            String joined = replacement;
            Long until = management.ring().replicas().stream().filter(r -> r.hostname().equals(joined)).findFirst()
                    .map(RingView.Replica::slowStartUntil).orElse(null);
            if (until != null) windowEnds = (run.elapsedNanos() - joinedAt) / 1e9 + (until - System.currentTimeMillis()) / 1e3;
            traffic = run.await();
        }
        return summarize(slowStart, victim, replacement, killAt, joinedAt, windowEnds, traffic);
    }

    /** {@code PER_SECOND} x {@code TRAFFIC_SECONDS} requests, each for an id drawn from a seeded pool of {@value #ID_POOL}. */
    static long[] ids(long seed) {
        long[] pool = RequestIds.generate(seed, ID_POOL);
        Random draw = new Random(seed);
        long[] ids = new long[(int) (PER_SECOND * TRAFFIC_SECONDS)];
        for (int i = 0; i < ids.length; i++) ids[i] = pool[draw.nextInt(ID_POOL)];
        return ids;
    }

    static SlowStartRun summarize(long slowStart, String victim, String replacement, long killAt, long joinedAt, Double windowEnds,
                                  TrafficResult traffic) {
        Set<Long> seat = new HashSet<>();
        for (Outcome o : traffic.outcomes()) {
            if (victim.equals(o.server()) && o.sentNanos() < killAt || replacement.equals(o.server())) seat.add(o.requestId());
        }
        int[] answered = new int[BINS];
        List<List<Outcome>> byReplacement = new ArrayList<>();
        for (int b = 0; b < BINS; b++) byReplacement.add(new ArrayList<>());
        Map<Long, List<Outcome>> afterJoin = new HashMap<>();
        for (Outcome o : traffic.outcomes()) {
            if (!o.ok() || o.sentNanos() < joinedAt || !seat.contains(o.requestId())) continue;
            afterJoin.computeIfAbsent(o.requestId(), id -> new ArrayList<>()).add(o);
            int bin = (int) ((o.sentNanos() - joinedAt) / 1_000_000_000L);
            if (bin >= BINS) continue;
            answered[bin]++;
            if (replacement.equals(o.server())) byReplacement.get(bin).add(o);
        }
        List<Double> share = new ArrayList<>(), p50 = new ArrayList<>(), p99 = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (int b = 0; b < BINS; b++) {
            List<Outcome> its = byReplacement.get(b);
            share.add(answered[b] == 0 ? null : its.size() / (double) answered[b]);
            Latencies latencies = Latencies.of(its);
            p50.add(its.isEmpty() ? null : latencies.p50());
            p99.add(its.isEmpty() ? null : latencies.p99());
            counts.add(its.size());
        }
        int movedOnce = 0, movedTwice = 0;
        for (List<Outcome> answers : afterJoin.values()) {
            answers.sort(Comparator.comparingLong(Outcome::sentNanos));
            int changes = 0;
            for (int i = 1; i < answers.size(); i++) if (!answers.get(i).server().equals(answers.get(i - 1).server())) changes++;
            if (changes == 1) movedOnce++;
            if (changes > 1) movedTwice++;
        }
        return new SlowStartRun(slowStart, victim, replacement, killAt / 1e9, joinedAt / 1e9, windowEnds, traffic.outcomes().size(),
                traffic.perSecond(), traffic.failed(), share, p50, p99, counts, seat.size(), movedOnce, movedTwice);
    }

    static String describe(SlowStartRun r) {
        return String.format(Locale.ROOT, "  a7 %s: killed %s at %.2f s, %s joined %.0f ms later; its share of its seat's requests in the "
                        + "first seconds %s; p99 of its answers %s ms; ids moved once %d, twice %d; %d of %d requests failed",
                label(r), r.victim(), r.killAtSeconds(), r.replacement(), (r.joinedAtSeconds() - r.killAtSeconds()) * 1000,
                r.share().subList(0, 4).stream().map(A7SlowStart::two).toList(), r.replacementP99Ms().subList(0, 4).stream().map(A7SlowStart::one).toList(),
                r.idsMovedOnce(), r.idsMovedTwice(), r.failed(), r.requests());
    }

    private static String label(SlowStartRun r) {
        return r.slowStartMillis() == 0 ? "without slow start" : "with --slow-start " + r.slowStartMillis();
    }

    private static String two(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.2f", value);
    }

    private static String one(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.1f", value);
    }

    @Override
    public void writeTables(A7Result result, ResultFiles files) throws IOException {
        List<List<Object>> rows = new ArrayList<>();
        for (SlowStartRun r : result.runs()) {
            for (int b = 0; b < r.share().size(); b++) {
                rows.add(java.util.Arrays.asList(r.slowStartMillis(), b, b + 1, r.share().get(b), r.replacementAnswers().get(b),
                        r.replacementP50Ms().get(b), r.replacementP99Ms().get(b)));
            }
        }
        files.csv("a7", List.of("slow_start_ms", "from_s", "to_s", "replacement_share", "replacement_answers", "replacement_p50_ms",
                "replacement_p99_ms"), rows);
    }

    @Override
    public void drawCharts(A7Result result, ResultFiles files) throws IOException {
        Charts.save(shareChart(result), files.path(SHARE_CHART));
        Charts.save(latencyChart(result), files.path(LATENCY_CHART));
    }

    /** Per second since the join: each run's measured share, and the share the rule gives a window of {@value #WINDOW_MILLIS} ms. */
    static JFreeChart shareChart(A7Result result) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (SlowStartRun r : result.runs()) data.addSeries(perSecond(label(r), r.share(), 1));
        XYSeries ideal = new XYSeries("the rule: elapsed / window (" + WINDOW_MILLIS + " ms)");
        for (double t = 0; t <= BINS; t += 0.5) ideal.add(t, Math.min(1.0, t * 1000 / WINDOW_MILLIS));
        data.addSeries(ideal);
        XYLineAndShapeRenderer renderer = renderer(data.getSeriesCount());
        renderer.setSeriesShapesVisible(data.getSeriesCount() - 1, false);
        renderer.setSeriesStroke(data.getSeriesCount() - 1, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[]{6f, 6f}, 0f));
        NumberAxis share = Charts.axis("share of its seat's requests the replacement answered");
        share.setNumberFormatOverride(new java.text.DecimalFormat("0.0"));
        share.setTickUnit(new NumberTickUnit(0.1));
        share.setRange(0, 1.05);
        XYPlot plot = new XYPlot(data, seconds(), share, renderer);
        return Charts.chart("A-7: a replacement's share of its keys, with and without slow start", plot,
                "The replica on ring id 1 killed under " + (int) PER_SECOND + " req/s; its warm standby takes its seat (" + result.placement()
                        + "). Each point: the requests sent in that second for the seat's ids.");
    }

    /** Per second since the join: the latency of the replacement's answers, p50 and p99, in each run. */
    static JFreeChart latencyChart(A7Result result) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (SlowStartRun r : result.runs()) {
            data.addSeries(perSecond("p99, " + label(r), r.replacementP99Ms(), 1));
            data.addSeries(perSecond("p50, " + label(r), r.replacementP50Ms(), 1));
        }
        LogarithmicAxis ms = new LogarithmicAxis("latency of the replacement's answers, ms (log scale)");
        ms.setAllowNegativesFlag(false);
        ms.setLabelFont(Charts.LABEL.deriveFont(java.awt.Font.BOLD, 14f));
        XYPlot plot = new XYPlot(data, seconds(), ms, renderer(data.getSeriesCount()));
        return Charts.chart("A-7: a replacement's latency, with and without slow start", plot,
                "The same failure as the share chart; each point: the answers the replacement gave to requests sent in that second.");
    }

    private static NumberAxis seconds() {
        NumberAxis seconds = Charts.axis("seconds since the replacement joined");
        seconds.setTickUnit(new NumberTickUnit(1));
        seconds.setRange(0, BINS);
        return seconds;
    }

    /** {@code values} per second, each at its second's centre; a second without a value is left out. */
    private static XYSeries perSecond(String name, List<? extends Number> values, double binSeconds) {
        XYSeries series = new XYSeries(name);
        for (int i = 0; i < values.size(); i++) if (values.get(i) != null) series.add(i * binSeconds + binSeconds / 2, values.get(i).doubleValue());
        return series;
    }

    private static XYLineAndShapeRenderer renderer(int series) {
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < series; i++) {
            renderer.setSeriesPaint(i, Charts.colour(i));
            renderer.setSeriesStroke(i, new BasicStroke(2f));
            renderer.setSeriesShape(i, new Ellipse2D.Double(-2.5, -2.5, 5, 5));
        }
        return renderer;
    }

    @Override
    public void writeSection(A7Result result, Markdown md) {
        md.heading(2, "A-7: slow start, a replacement's share and latency with and without it (" + result.placement() + ")");
        md.paragraph(ReportText.measured(result.provenance()) + String.format(Locale.ROOT, """
                 Here: two fresh load balancers, %d replicas and a warm standby each, %.0f req/s over a pool of %d ids for %.0f s, the replica
                on ring id 1 killed after %.0f s; once without a slow start, once with `--slow-start %d`.""",
                REPLICAS, PER_SECOND, ID_POOL, TRAFFIC_SECONDS, KILL_AT_SECONDS, WINDOW_MILLIS));
        md.image("A-7: the replacement's share over time", SHARE_CHART);
        md.image("A-7: the replacement's latency over time", LATENCY_CHART);
        List<List<String>> rows = new ArrayList<>();
        for (SlowStartRun r : result.runs()) {
            rows.add(List.of(label(r), r.victim() + " → " + r.replacement(), String.format(Locale.ROOT, "%.0f ms", (r.joinedAtSeconds() - r.killAtSeconds()) * 1000),
                    r.windowEndsAfterSeconds() == null ? "none" : String.format(Locale.ROOT, "%.1f s after the join", r.windowEndsAfterSeconds()),
                    String.join(" ", r.share().subList(0, Math.min(BINS, 12)).stream().map(A7SlowStart::two).toList()),
                    one(r.replacementP99Ms().get(0)) + " / " + one(maxOf(r.replacementP99Ms())),
                    r.seatIds() + ": " + r.idsMovedOnce() + " once, **" + r.idsMovedTwice() + "** twice",
                    r.failed() + " of " + r.requests()));
        }
        md.table(List.of("run", "killed → replacement", "joined after the kill", "window (`/ring`'s slowStartUntil)",
                "its share of its seat's requests, second by second after the join", "p99 of its answers, first second / worst second, ms",
                "seat ids seen: moved after the join", "failed requests"), rows);
        md.paragraph(firstSeconds(result));
        md.paragraph("""
                Without a slow start the replacement takes its predecessor's whole seat the moment it joins, as a JVM that has
                answered heartbeats and nothing else. With one it takes the ids whose hash is below the elapsed fraction of the window,
                the others staying on the next replica in fallback order, so its share follows the dashed line and each id moves to it
                once, at a moment its hash fixes: none changed replica twice after the join (the same count A-5 keeps). Its latency is
                then that of the few requests it is given while its code is compiled; whether that is lower than when it takes all at
                once depends on how much compiling the replica's path needs, and is what the latency chart shows for this machine.""");
    }

    /** The replacement's latency in the first two seconds after its join, run by run, as measured. */
    static String firstSeconds(A7Result result) {
        List<String> runs = new ArrayList<>();
        for (SlowStartRun r : result.runs()) {
            runs.add(String.format(Locale.ROOT, "%s: p50 %s then %s ms, p99 %s then %s ms (%d and %d answers)", label(r), one(r.replacementP50Ms().get(0)),
                    one(r.replacementP50Ms().get(1)), one(r.replacementP99Ms().get(0)), one(r.replacementP99Ms().get(1)),
                    r.replacementAnswers().get(0), r.replacementAnswers().get(1)));
        }
        return "The replacement's latency in the first two seconds after its join, " + String.join("; ", runs) + ".";
    }

    private static Double maxOf(List<Double> values) {
        return values.stream().filter(v -> v != null).max(Double::compare).orElse(null);
    }
}

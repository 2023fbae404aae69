package dev.clb.analyzer.experiments;

import dev.clb.analyzer.deploy.AdminClient;
import dev.clb.analyzer.deploy.Deployment;
import dev.clb.analyzer.deploy.Deployments;
import dev.clb.analyzer.deploy.ManagementClient;
import dev.clb.analyzer.deploy.RingView;
import dev.clb.analyzer.output.Charts;
import dev.clb.analyzer.output.Markdown;
import dev.clb.analyzer.output.ReportText;
import dev.clb.analyzer.output.ResultFiles;
import dev.clb.analyzer.results.A5Result;
import dev.clb.analyzer.results.Change;
import dev.clb.analyzer.results.Disruption;
import dev.clb.analyzer.results.Provenance;
import dev.clb.analyzer.settings.Settings;
import dev.clb.analyzer.settings.Setup;
import dev.clb.analyzer.stats.Moves;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * disruption. For each placement, the same requests (A-1's seeded ids) before and after three changes at N = 3:
 * a replica killed with SIGKILL and replaced (the replacement inherits its ring id: ideally nothing moves), one replica
 * added (ideally 1/4 of the ids move, all to it), one removed (ideally 1/3 move, all from it). Moves are counted by ring
 * id, which {@code /ring} gives. Bounded loads are left out: they route by load at the moment, not by placement alone.
 */
public final class A5Disruption implements Experiment<A5Result> {
    static final int REPLICAS = 3;
    private static final long GIVE_UP_NANOS = 30_000_000_000L;
    private static final String CHART = "a5-disruption.png";

    private final List<Setup> setups;
    private final List<Disruption> disruptions = new ArrayList<>();
    private final List<String> notMeasured = new ArrayList<>();

    /** Every placement: the slot ring with each hash, ring, maglev. */
    public A5Disruption() {
        this(Setup.PLACEMENTS);
    }

    /** Only {@code setups}, e.g. one for a quick test. */
    public A5Disruption(List<Setup> setups) {
        this.setups = List.copyOf(setups);
    }

    @Override
    public String id() {
        return "a5";
    }

    @Override
    public String title() {
        return "A-5: disruption when a replica is added, removed or replaced";
    }

    @Override
    public List<Setup> setups(Settings settings) {
        return setups;
    }

    @Override
    public void measure(Session session, Setup setup) throws Exception {
        Optional<Deployment> opened = session.deployment(setup, REPLICAS);
        if (opened.isEmpty()) {
            notMeasured.add(setup.name() + ": " + Deployments.missing(setup));
            session.out().println("  a5: " + setup.name() + " not measured: " + Deployments.missing(setup));
            return;
        }
        Deployment deployment = opened.get();
        ManagementClient management = session.deployments().management(deployment);
        AdminClient admin = session.deployments().admin(deployment.url());
        RingView start = management.ring();
        Optional<Measured> reusable = reusableBase(session, setup, start);
        Measured base = reusable.isPresent() ? reusable.get() : MeasuredRun.measure(session, deployment, "a5 " + setup.name() + " before", false);

        // the same ring ids in every setup: ring id 1 is killed and replaced, ring id 2 removed
        RingView.Replica victim = start.byRingId(1).orElse(start.replicas().get(0));
        deployment.kill(victim.hostname());
        RingView replaced = await(management, ring -> ring.replicas().size() == REPLICAS
                && ring.byRingId(victim.ringId()).filter(r -> !r.hostname().equals(victim.hostname())).isPresent(),
                "a replacement for " + victim.hostname() + " on ring id " + victim.ringId());
        Measured afterReplace = MeasuredRun.measure(session, deployment, "a5 " + setup.name() + " replaced", false);
        String newcomer = replaced.byRingId(victim.ringId()).orElseThrow().hostname();
        Change replace = change("replace", "kill -9 " + victim.hostname() + " (ring id " + victim.ringId() + "), replaced by " + newcomer,
                base, afterReplace, 0, 0);

        String added = "a5-added";
        admin.add(1, List.of(added));
        RingView grown = await(management, ring -> ring.hostnames().contains(added), "/ring listing " + added);
        Measured afterAdd = MeasuredRun.measure(session, deployment, "a5 " + setup.name() + " added", false);
        int addedId = grown.ringIds().get(added);
        Change add = change("add", "added " + added + " (ring id " + addedId + ")", afterReplace, afterAdd, 1.0 / (REPLICAS + 1), addedId);

        admin.remove(1, List.of(added));
        RingView.Replica leaving = replaced.byRingId(2).orElse(replaced.replicas().get(1));
        admin.remove(1, List.of(leaving.hostname()));
        await(management, ring -> ring.replicas().size() == REPLICAS - 1, "/ring listing " + (REPLICAS - 1) + " replicas");
        Measured afterRemove = MeasuredRun.measure(session, deployment, "a5 " + setup.name() + " removed", false);
        Change remove = change("remove", "removed " + leaving.hostname() + " (ring id " + leaving.ringId() + ")", afterReplace, afterRemove,
                1.0 / REPLICAS, leaving.ringId());

        Disruption disruption = new Disruption(setup.name(), setup.label(), start.describe(), setup.strategy(), List.of(replace, add, remove));
        disruption.changes().forEach(c -> session.out().println("  " + c.line()));
        disruptions.add(disruption);
    }

    /** A-1's run of this setup when the placement has the same ring ids now: the same ids sent, no need to send them again. */
    private static Optional<Measured> reusableBase(Session session, Setup setup, RingView now) {
        Optional<Measured> home = session.homeRuns.getOrDefault(setup.name(), Optional.empty());
        return home.filter(m -> new HashSet<>(m.ring().ringIds().values()).equals(new HashSet<>(now.ringIds().values())));
    }

    private static RingView await(ManagementClient management, Predicate<RingView> until, String what) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + GIVE_UP_NANOS;
        RingView ring = management.ring();
        while (!until.test(ring)) {
            if (System.nanoTime() > deadline) throw new IOException("no " + what + " within 30 s; /ring shows " + ring.ringIds());
            Thread.sleep(20);
            ring = management.ring();
        }
        return ring;
    }

    @Override
    public A5Result result(Session session) throws IOException {
        if (disruptions.isEmpty()) throw new IllegalStateException("no setup could be measured: " + notMeasured);
        var settings = session.settings();
        Optional<A5Result> before = settings.onlySetups().isEmpty() ? Optional.empty() : session.files().read("a5", A5Result.class);
        return new A5Result(Provenance.of(settings),
                Merge.bySetup(settings, disruptions, before.map(A5Result::disruptions).orElse(List.of()), Disruption::setup),
                Merge.notMeasured(settings, notMeasured, before.map(A5Result::notMeasured).orElse(List.of())));
    }

    @Override
    public Class<A5Result> resultType() {
        return A5Result.class;
    }

    @Override
    public void writeTables(A5Result result, ResultFiles files) throws IOException {
        List<List<Object>> rows = new ArrayList<>();
        for (Disruption d : result.disruptions()) {
            for (Change c : d.changes()) {
                rows.add(List.of(d.setup(), c.kind(), c.what(), c.moves().compared(), c.moves().moved(), c.moves().fraction(), c.ideal(),
                        c.minimum(), c.moves().movedBetweenStayers(), c.failed()));
            }
        }
        files.csv("a5", List.of("setup", "change", "what", "compared", "moved", "moved_fraction", "ideal", "minimum",
                "moved_between_stayers", "failed"), rows);
    }

    @Override
    public void drawCharts(A5Result result, ResultFiles files) throws IOException {
        chart(result.disruptions(), files.path(CHART));
    }

    /** The fraction of requests that changed replica per setup and change, with the ideal and this placement's minimum. */
    static void chart(List<Disruption> disruptions, Path file) throws IOException {
        DefaultCategoryDataset moved = new DefaultCategoryDataset();
        DefaultCategoryDataset minimum = new DefaultCategoryDataset();
        for (Disruption d : disruptions) {
            for (Change c : d.changes()) {
                String series = switch (c.kind()) {
                    case "add" -> "add a 4th replica (ideal 1/4)";
                    case "remove" -> "remove 1 of 3 (ideal 1/3)";
                    default -> "replace a killed one (ideal 0)";
                };
                moved.addValue(100 * c.moves().fraction(), series, d.label());
                minimum.addValue(100 * c.minimum(), Charts.dashSeries("this placement's minimum: what the added replica took, what the removed one held",
                        moved.getRowIndex(series)), d.label());
            }
        }
        CategoryPlot plot = Charts.barPlot(moved, "setup", "requests that changed replica, % of the same ids sent before");
        ((BarRenderer) plot.getRenderer()).setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}%", new DecimalFormat("0.0")));
        ((NumberAxis) plot.getRangeAxis()).setNumberFormatOverride(new DecimalFormat("0"));
        Charts.overlayDashes(plot, minimum);
        plot.addRangeMarker(Charts.horizontalMarker(100.0 / 4, "1/4"), Layer.FOREGROUND);
        plot.addRangeMarker(Charts.horizontalMarker(100.0 / 3, "1/3"), Layer.FOREGROUND);
        String stayers = disruptions.stream().map(d -> d.label() + " " + d.changes().stream().filter(c -> !c.kind().equals("replace"))
                .mapToInt(c -> c.moves().movedBetweenStayers()).sum()).reduce((a, b) -> a + ", " + b).orElse("");
        Charts.save(Charts.chart("A-5: requests that changed replica when one was added, removed or replaced (N = 3)", plot,
                "moved between two replicas that both stayed (add + remove): " + stayers), file);
    }

    @Override
    public void writeSection(A5Result result, Markdown md) {
        md.heading(2, "A-5: disruption when a replica is added, removed or replaced");
        md.paragraph(ReportText.measured(result.provenance()));
        md.paragraph("""
                The same request ids (those of A-1) were sent before and after each change, at N = 3, on the setup's load balancer:
                *replace*: `kill -9` of a replica; the load balancer replaces it and the replacement inherits its ring id, so
                ideally no id changes replica; *add*: `POST /add` of a 4th replica, ideally 1/4 of the ids move, all to it;
                *remove*: `DELETE /rm` of one of the 3, ideally 1/3 move, all from it. Ids are compared by the ring id that
                answered (from `/ring`), so a replacement counts as the same place. *This placement's minimum* is what the change
                forced with this very placement: the share the added replica took, or the share the removed one held. Whatever
                moved beyond it moved *between two replicas that both stayed*, which a consistent placement should never do.
                Bounded loads are left out: they route by the load of the moment, not by placement alone.""");
        result.notMeasured().forEach(why -> md.paragraph("Not measured: " + why));
        md.image("A-5: disruption per setup", CHART);
        List<List<String>> rows = new ArrayList<>();
        for (Disruption d : result.disruptions()) {
            for (Change c : d.changes()) {
                rows.add(List.of("`" + d.setup() + "`", c.kind() + ": " + c.what(), String.format(Locale.ROOT, "%s (%d of %d)",
                                ReportText.pct(c.moves().fraction()), c.moves().moved(), c.moves().compared()), ReportText.pct(c.ideal()),
                        ReportText.pct(c.minimum()), c.ideal() == 0 ? "" : ReportText.two(c.moves().fraction() / c.ideal()),
                        String.format(Locale.ROOT, "%d (%s)", c.moves().movedBetweenStayers(), ReportText.pct(c.moves().betweenStayersFraction())),
                        String.valueOf(c.failed())));
            }
        }
        md.table(List.of("setup", "change", "moved", "ideal", "this placement's minimum", "moved / ideal", "moved between replicas that stayed",
                "failed"), rows);
        md.paragraph(result.disruptions().stream().map(d -> "`" + d.setup() + "` " + (d.passed() ? "passes" : "**fails**"))
                .collect(Collectors.joining(", ", "Checks (nothing moves on a replacement; nothing moves between replicas that stayed, "
                        + "for Maglev at most 0.5 %; Maglev moves at most 1.05 × the ideal, give or take 4 sd of sampling): ", ".")));
    }

    @Override
    public Optional<String> tradeOff(A5Result result) {
        return Optional.of(String.format(Locale.ROOT, """
                **Disruption.** Adding a 4th replica moved (ideal 25%%) %s; removing one of 3 moved (ideal 33.33%%) %s; replacing a
                killed replica moved %s. Ids that moved between two replicas that both stayed: %s. The slot ring and the ring hash move
                only what the change forces: a newcomer takes whole arcs from its neighbours, a leaver's arcs go to the next owner.
                Maglev rebuilds its whole table from every replica's preference list, so a few entries change hands between
                replicas that stayed; that is its price for equal shares. A replacement inherits its predecessor's ring id and
                with it exactly its keys under every strategy.""",
                movedByKind(result, "add"), movedByKind(result, "remove"), movedByKind(result, "replace"),
                result.disruptions().stream().map(d -> String.format(Locale.ROOT, "`%s` %d", d.setup(), d.changes().stream()
                        .filter(c -> !c.kind().equals("replace")).mapToInt(c -> c.moves().movedBetweenStayers()).sum())).collect(Collectors.joining(", "))));
    }

    private static String movedByKind(A5Result r, String kind) {
        return r.disruptions().stream().map(d -> d.changes().stream().filter(c -> c.kind().equals(kind)).findFirst()
                .map(c -> "`" + d.setup() + "` " + ReportText.pct(c.moves().fraction())).orElse("")).collect(Collectors.joining(", "));
    }

    /** A change and what it moved, from the same ids sent before and after it. */
    private static Change change(String kind, String what, Measured before, Measured after, double ideal, int changedRingId) {
        int[] from = before.ringIdsAnswering();
        int[] to = after.ringIdsAnswering();
        Set<Integer> stayed = new HashSet<>(before.ring().ringIds().values());
        stayed.retainAll(after.ring().ringIds().values());
        Moves moves = Moves.between(from, to, stayed);
        int touching = 0;
        for (int i = 0; i < from.length; i++) {
            if (from[i] != 0 && to[i] != 0 && changedRingId != 0 && (from[i] == changedRingId) != (to[i] == changedRingId)) touching++;
        }
        double minimum = moves.compared() == 0 ? 0 : (double) touching / moves.compared();
        return new Change(kind, what, moves, ideal, minimum, before.result().failed() + after.result().failed());
    }
}

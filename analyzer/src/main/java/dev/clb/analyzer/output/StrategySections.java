package dev.clb.analyzer.output;

import dev.clb.analyzer.experiments.A4Result;
import dev.clb.analyzer.experiments.A5Disruption.Change;
import dev.clb.analyzer.experiments.A5Disruption.Disruption;
import dev.clb.analyzer.experiments.A5Result;
import dev.clb.analyzer.experiments.A6HotKeys.HotKeys;
import dev.clb.analyzer.experiments.A6Result;
import dev.clb.analyzer.experiments.RunResult;
import dev.clb.analyzer.experiments.Scaling;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** REPORT.md's sections on the strategies: A-4 (balance), A-5 (disruption), A-6 (hot keys), and the trade-offs between them. */
final class StrategySections {
    private StrategySections() {
    }

    static void a4(Markdown md, A4Result result) {
        md.heading(2, "A-4: every strategy side by side");
        md.paragraph(Report.measured(result.provenance()) + (result.provenance().remote()
                ? " Each setup ran on the load balancer given for it (`--lb`, `--lb-for`)."
                : " Each setup ran on its own load balancer, started once and shared with A-5 and A-6."));
        result.notMeasured().forEach(why -> md.paragraph("Not measured: " + why));
        md.image("A-4: requests per replica per setup, measured and model", "a4-requests-per-replica-by-setup.png");
        md.table(List.of("setup", "placement (`/ring`)", "measured split (N = 3)", "model's split", "max / mean measured", "max / mean model",
                "matches the model", "req/s"), result.homeRuns().stream().map(r -> List.of("`" + r.setup() + "`", r.placement(), Report.counts(r),
                Report.expected(r), two(r.maxOverMean()), two(r.modelMaxOverMean()), r.check().passed() ? "yes"
                        : r.setup().endsWith("-bounded") ? "no (bounded: by design)" : "**no**", String.format(Locale.ROOT, "%.0f", r.perSecond()))).toList());
        md.image("A-4: busiest replica over the mean per setup", "a4-max-over-mean-by-setup.png");
        md.paragraph("""
                Without bounded loads a request goes where the placement puts its id, whatever the load, so the measured split
                follows the model to within sampling error. With bounded loads a request skips a replica that already holds more
                than its bound in flight and takes the next in the strategy's fallback order; with an even placement that rarely
                happens under uniform ids, with the assignment's skewed slots it happens all the time, and the split departs from
                the model towards the even one.""");
        if (result.scalings().isEmpty()) return;
        md.heading(3, "The slot ring with each hash, N = 2..6");
        md.image("A-4: A-2 per hash, side by side", "a4-load-vs-n-by-hash.png");
        md.image("A-4: spread per hash", "a4-spread-by-hash.png");
        List<String> header = new ArrayList<>(List.of("N"));
        result.scalings().forEach(s -> header.add(s.label() + ": sd / mean (max / mean)"));
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < result.scalings().get(0).runs().size(); i++) {
            List<String> row = new ArrayList<>(List.of(String.valueOf(result.scalings().get(0).runs().get(i).n())));
            for (Scaling s : result.scalings()) {
                RunResult r = s.runs().get(i);
                row.add(String.format(Locale.ROOT, "%s (%.2f)", Report.pct(r.stats().relativeSd()), r.maxOverMean()));
            }
            rows.add(row);
        }
        md.table(header, rows);
        md.paragraph("""
                What better functions change: a well-mixed H sends the six-digit ids to every slot about equally, and a well-mixed
                Φ scatters each replica's virtual servers round the whole ring instead of crowding them into one stretch. No arc
                then holds anything like the assignment's four fifths of all ids. Computed from the hash map for N = 3:""");
        SkewExplanation.forHashes(md, 3);
    }

    static void a5(Markdown md, A5Result result) {
        md.heading(2, "A-5: disruption when a replica is added, removed or replaced");
        md.paragraph(Report.measured(result.provenance()));
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
        md.image("A-5: disruption per setup", "a5-disruption.png");
        List<List<String>> rows = new ArrayList<>();
        for (Disruption d : result.disruptions()) {
            for (Change c : d.changes()) {
                rows.add(List.of("`" + d.setup() + "`", c.kind() + ": " + c.what(), String.format(Locale.ROOT, "%s (%d of %d)",
                                Report.pct(c.moves().fraction()), c.moves().moved(), c.moves().compared()), Report.pct(c.ideal()),
                        Report.pct(c.minimum()), c.ideal() == 0 ? "" : two(c.moves().fraction() / c.ideal()),
                        String.format(Locale.ROOT, "%d (%s)", c.moves().movedBetweenStayers(), Report.pct(c.moves().betweenStayersFraction())),
                        String.valueOf(c.failed())));
            }
        }
        md.table(List.of("setup", "change", "moved", "ideal", "this placement's minimum", "moved / ideal", "moved between replicas that stayed",
                "failed"), rows);
        md.paragraph(result.disruptions().stream().map(d -> "`" + d.setup() + "` " + (d.passed() ? "passes" : "**fails**"))
                .collect(Collectors.joining(", ", "Checks (nothing moves on a replacement; nothing moves between replicas that stayed, "
                        + "for Maglev at most 0.5 %; Maglev moves at most 1.05 × the ideal, give or take 4 sd of sampling): ", ".")));
    }

    static void a6(Markdown md, A6Result result) {
        md.heading(2, "A-6: hot keys");
        md.paragraph(Report.measured(result.provenance()));
        HotKeys first = result.results().get(0);
        md.paragraph(String.format(Locale.ROOT, """
                Key popularity follows Zipf's law with s = %.1f over %,d keys (key k is requested in proportion to 1/k^s; each key is
                a fixed six-digit id drawn from the seed), as real traffic is skewed: the hottest key alone is %s of the requests.
                %,d such requests went to `/test/delay?ms=%d`, which answers like `/home` after holding the request %d ms, with
                exactly %d in flight at all times (each answer sends the next request), through N = %d replicas. The client counts
                per replica from the answers: requests completed, and requests in flight, averaged over the run (each request's
                latency summed per replica over the duration, Little's law) and at the peak. With bounded loads %.2f, a replica
                may hold at most ceil(%.2f × (all in flight + 1) / N) requests: %d of %d here.""",
                result.exponent(), result.keys(), Report.pct(first.hottestKeyShare()), first.requests(), result.delayMs(), result.delayMs(),
                first.concurrency(), first.n(), dev.clb.analyzer.Setup.BOUNDED, dev.clb.analyzer.Setup.BOUNDED,
                (int) Math.ceil(dev.clb.analyzer.Setup.BOUNDED * (first.concurrency() + 1) / first.n()), first.concurrency()));
        result.notMeasured().forEach(why -> md.paragraph("Not measured: " + why));
        md.image("A-6: busiest replica's share per setup", "a6-busiest-share.png");
        md.image("A-6: latency per setup", "a6-latency.png");
        md.table(List.of("setup", "busiest share in flight", "busiest share completed", "peak in flight at one replica", "p50", "p99", "max", "req/s",
                "failed"), result.results().stream().map(h -> List.of("`" + h.setup() + "`", Report.pct(h.busiestInFlightShare()),
                Report.pct(h.busiestCompletedShare()), String.valueOf(h.peakInFlight().values().stream().mapToInt(Integer::intValue).max().orElse(0)),
                ms(h.latencies().p50()), ms(h.latencies().p99()), ms(h.latencies().max()), String.format(Locale.ROOT, "%.0f", h.perSecond()),
                String.valueOf(h.failed()))).toList());
        md.paragraph("""
                How to read it: without bounds, the busiest replica's share is whatever the hottest keys and the placement give
                it; with bounds, the load balancer keeps its own count of what each replica holds under the bound. The client's
                peak counts a request from its send to its answer, including the time in the load balancer and on the wire, so it
                can exceed that bound. Latencies on this shared two-core machine carry its noise (other processes compete for the
                cores), so compare the shares first and the latencies only where they differ by a lot.""");
    }

    /** The trade-offs, in words, with this run's numbers. */
    static void tradeOffs(Markdown md, Optional<A4Result> a4, Optional<A5Result> a5, Optional<A6Result> a6) {
        md.heading(2, "Trade-offs");
        a4.ifPresent(r -> md.paragraph(String.format(Locale.ROOT, """
                **Balance.** The busiest replica over the mean at N = 3, measured (model): %s. The slot ring's 9 virtual servers per
                replica leave the shares to chance even with a good hash; a ring with many points per replica averages the chance
                out at the cost of memory (one point per replica and vnode); Maglev fills its table so that every replica owns the
                same number of entries, give or take one, so its shares are equal by construction and what remains in the measured
                split is sampling noise.""",
                r.homeRuns().stream().filter(run -> !run.setup().endsWith("-bounded"))
                        .map(run -> String.format(Locale.ROOT, "`%s` %.2f (%.2f)", run.setup(), run.maxOverMean(), run.modelMaxOverMean()))
                        .collect(Collectors.joining(", ")))));
        a5.ifPresent(r -> md.paragraph(String.format(Locale.ROOT, """
                **Disruption.** Adding a 4th replica moved (ideal 25%%) %s; removing one of 3 moved (ideal 33.33%%) %s; replacing a
                killed replica moved %s. Ids that moved between two replicas that both stayed: %s. The slot ring and the ring hash move
                only what the change forces: a newcomer takes whole arcs from its neighbours, a leaver's arcs go to the next owner.
                Maglev rebuilds its whole table from every replica's preference list, so a few entries change hands between
                replicas that stayed; that is its price for equal shares. A replacement inherits its predecessor's ring id and
                with it exactly its keys under every strategy.""",
                movedByKind(r, "add"), movedByKind(r, "remove"), movedByKind(r, "replace"),
                r.disruptions().stream().map(d -> String.format(Locale.ROOT, "`%s` %d", d.setup(), d.changes().stream()
                        .filter(c -> !c.kind().equals("replace")).mapToInt(c -> c.moves().movedBetweenStayers()).sum())).collect(Collectors.joining(", ")))));
        a6.ifPresent(r -> md.paragraph(String.format(Locale.ROOT, """
                **Hot keys.** No placement can split one key: all of its requests go to one replica, so under Zipf traffic the
                replica that draws the hottest keys is busier than its share of the id space says. The busiest replica's share of
                the requests in flight, and the p99 latency: %s. Bounded loads cap what one replica holds at once and send the
                overflow to the next replica in the strategy's order, which spreads the hot key's requests at the price of
                those requests' locality (a cache on the hot key's replica sees fewer of them).""",
                r.results().stream().map(h -> String.format(Locale.ROOT, "`%s` %s, p99 %s", h.setup(), Report.pct(h.busiestInFlightShare()),
                        ms(h.latencies().p99()))).collect(Collectors.joining("; ")))));
        md.paragraph("""
                **Memory and lookup.** The slot ring is an array of M = 512 slots, and a lookup walks clockwise to the next
                occupied one; more virtual servers need a larger M. The ring hash keeps vnodes × N points on a 64-bit circle (160 ×
                3 = 480 here, 8,000 at N = 50) plus a bucket table on the hash's top bits, so a lookup scans one or two points;
                balance improves roughly as the square root of the points. Maglev keeps a table of 65,537 entries whatever N (a lookup
                is one array index) and rebuilds all of it on every change of the replicas, which is why it needs a prime table
                well above N and why a change costs more than on a ring. Bounded loads read the per-replica in-flight counts on
                every request and may walk the fallback order. The JMH benchmarks in `benchmarks/` measure these costs; this
                report measures behaviour.""");
    }

    private static String movedByKind(A5Result r, String kind) {
        return r.disruptions().stream().map(d -> d.changes().stream().filter(c -> c.kind().equals(kind)).findFirst()
                .map(c -> "`" + d.setup() + "` " + Report.pct(c.moves().fraction())).orElse("")).collect(Collectors.joining(", "));
    }

    private static String two(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    private static String ms(double value) {
        return String.format(Locale.ROOT, "%.1f ms", value);
    }
}

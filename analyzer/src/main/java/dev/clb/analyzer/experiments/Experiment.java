package dev.clb.analyzer.experiments;

import dev.clb.analyzer.output.Markdown;
import dev.clb.analyzer.output.ResultFiles;
import dev.clb.analyzer.results.Result;
import dev.clb.analyzer.settings.Settings;
import dev.clb.analyzer.settings.Setup;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * One of A-1..A-6, whole: it measures, keeps what it measured as its result ({@code id.json}), draws its charts and
 * writes its section of REPORT.md from that result. The analysis measures setup by setup (one load balancer per setup,
 * shared by every experiment that needs it), then saves each experiment's result; the report and a redraw read the
 * results back, so charts and sections come from the saved results alone.
 *
 * @param <R> its result, as saved in {@code id.json}
 */
public interface Experiment<R extends Result> {
    /** a1, a2, ... as on the command line; also the name of its raw results, {@code a1.json}, {@code a1.csv}. */
    String id();

    String title();

    /** The setups it measures, in order. */
    List<Setup> setups(Settings settings);

    /** Measures {@code setup}, keeping the results (in the session where other experiments reuse them). */
    void measure(Session session, Setup setup) throws Exception;

    /**
     * What it measured in this session; with {@code --setups}, merged with the results of the other setups already in
     * the output directory. Fails when nothing could be measured.
     */
    R result(Session session) throws IOException;

    /** The type of {@link #result}, to read {@code id.json} back. */
    Class<R> resultType();

    /** Its raw results as CSV, beside {@code id.json}. */
    void writeTables(R result, ResultFiles files) throws IOException;

    /** Draws its charts into the output directory. */
    void drawCharts(R result, ResultFiles files) throws IOException;

    /** Its section of REPORT.md, with its charts. */
    void writeSection(R result, Markdown md);

    /** Its paragraph in REPORT.md's closing section on the trade-offs between the strategies, if it has one. */
    default Optional<String> tradeOff(R result) {
        return Optional.empty();
    }
}

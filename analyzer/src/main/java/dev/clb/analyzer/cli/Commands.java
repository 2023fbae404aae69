package dev.clb.analyzer.cli;

import dev.clb.analyzer.analysis.Analysis;
import dev.clb.analyzer.analysis.Redraw;
import dev.clb.analyzer.experiments.A1HomeDistribution;
import dev.clb.analyzer.experiments.A2Scaling;
import dev.clb.analyzer.experiments.A3Failover;
import dev.clb.analyzer.experiments.A4StrategyComparison;
import dev.clb.analyzer.experiments.A5Disruption;
import dev.clb.analyzer.experiments.A6HotKeys;
import dev.clb.analyzer.experiments.A7SlowStart;
import dev.clb.analyzer.experiments.Experiment;
import dev.clb.analyzer.experiments.Experiments;
import dev.clb.analyzer.output.ResultFiles;
import dev.clb.analyzer.settings.Settings;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The subcommands: each runs some experiments with the shared options. */
public final class Commands {
    public static final String VERSION = "analyzer 1.0.0";

    private Commands() {
    }

    abstract static class ExperimentCommand implements Callable<Integer> {
        @Mixin
        AnalyzerOptions options = new AnalyzerOptions();

        @Spec
        CommandSpec spec;

        abstract List<Experiment<?>> experiments();

        @Override
        public Integer call() {
            Settings settings;
            try {
                settings = options.toSettings();
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            return Analysis.run(settings, experiments(), System.out);
        }
    }

    @Command(name = "a1", mixinStandardHelpOptions = true, sortOptions = false, version = VERSION,
            description = "A-1: requests to /home with N = 3; requests per replica against the split the hash map predicts; bar chart.")
    public static final class A1 extends ExperimentCommand {
        @Override
        List<Experiment<?>> experiments() {
            return List.of(new A1HomeDistribution());
        }
    }

    @Command(name = "a2", mixinStandardHelpOptions = true, sortOptions = false, version = VERSION,
            description = "A-2: N = 2..6 (scaled through /add and /rm); average load per replica and its spread per N; line chart.")
    public static final class A2 extends ExperimentCommand {
        @Override
        List<Experiment<?>> experiments() {
            return List.of(new A2Scaling());
        }
    }

    @Command(name = "a3", mixinStandardHelpOptions = true, sortOptions = false, version = VERSION,
            description = "A-3: every endpoint and its errors; a replica killed for real under traffic: time to detect, to serve again, failed requests; timeline chart.")
    public static final class A3 extends ExperimentCommand {
        @Override
        List<Experiment<?>> experiments() {
            return List.of(new A3Failover());
        }
    }

    @Command(name = "a4", mixinStandardHelpOptions = true, sortOptions = false, version = VERSION,
            description = "A-4: A-1 with every strategy (slots with each hash, ring, maglev, bounded loads), the model's split beside the measured one; "
                    + "A-2 with each hash of the slot ring; charts side by side.")
    public static final class A4 extends ExperimentCommand {
        @Override
        List<Experiment<?>> experiments() {
            return List.of(new A4StrategyComparison());
        }
    }

    @Command(name = "a5", mixinStandardHelpOptions = true, sortOptions = false, version = VERSION,
            description = "A-5: disruption: the same ids before and after adding, removing and replacing (kill -9) a replica, per strategy; "
                    + "the fraction that moved against the ideal; chart.")
    public static final class A5 extends ExperimentCommand {
        @Override
        List<Experiment<?>> experiments() {
            return List.of(new A5Disruption());
        }
    }

    @Command(name = "a6", mixinStandardHelpOptions = true, sortOptions = false, version = VERSION,
            description = "A-6: hot keys: Zipf-popular ids through replicas that hold each request 5 ms, per strategy with and without bounded "
                    + "loads; the busiest replica's share in flight and completed, and the latencies; charts.")
    public static final class A6 extends ExperimentCommand {
        @Override
        List<Experiment<?>> experiments() {
            return List.of(new A6HotKeys());
        }
    }

    @Command(name = "a7", mixinStandardHelpOptions = true, sortOptions = false, version = VERSION,
            description = "A-7: slow start: a replica killed under traffic on two fresh load balancers (maglev), without and with --slow-start 10000; "
                    + "the replacement's share of its seat and its latency (p50, p99) per second; ids that moved twice; charts.")
    public static final class A7 extends ExperimentCommand {
        @Override
        List<Experiment<?>> experiments() {
            return List.of(new A7SlowStart());
        }
    }

    @Command(name = "all", mixinStandardHelpOptions = true, sortOptions = false, version = VERSION,
            description = "A-1..A-7, setup by setup with one load balancer per setup (A-4 and A-5 reuse the runs of A-1 and A-2; A-7 starts two of its own), then REPORT.md.")
    public static final class All extends ExperimentCommand {
        @Override
        List<Experiment<?>> experiments() {
            return Experiments.inMeasuringOrder();
        }
    }

    @Command(name = "charts", mixinStandardHelpOptions = true, sortOptions = false, version = VERSION,
            description = "Draws the charts and writes REPORT.md again from the raw results (a1.json..a7.json) in --out, without measuring.")
    public static final class Charts implements Callable<Integer> {
        @Mixin
        AnalyzerOptions options = new AnalyzerOptions();

        @Override
        public Integer call() throws Exception {
            List<String> redrawn = Redraw.all(new ResultFiles(options.out));
            System.out.println(redrawn.isEmpty() ? "no results in " + options.out.toAbsolutePath() + ": run an experiment first"
                    : "redrew " + String.join(", ", redrawn) + " and REPORT.md in " + options.out.toAbsolutePath());
            return redrawn.isEmpty() ? 1 : 0;
        }
    }
}

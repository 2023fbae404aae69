package dev.clb.analyzer;

import dev.clb.analyzer.cli.Commands;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "analyzer", mixinStandardHelpOptions = true, version = Commands.VERSION,
        subcommands = {Commands.A1.class, Commands.A2.class, Commands.A3.class, Commands.A4.class, Commands.A5.class, Commands.A6.class, Commands.A7.class, Commands.All.class, Commands.Charts.class},
        description = {"Runs the load balancer experiments A-1..A-7 and writes charts, raw results (JSON, CSV) and REPORT.md.",
                "Without --lb it starts its own load balancer (java -jar lb/target/lb.jar --runtime local) for every setup, once."})
public final class AnalyzerMain implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Name an experiment: a1, a2, a3, a4, a5, a6, a7 or all");
    }

    public static CommandLine commandLine() {
        return new CommandLine(new AnalyzerMain());
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(commandLine().execute(args));
    }
}

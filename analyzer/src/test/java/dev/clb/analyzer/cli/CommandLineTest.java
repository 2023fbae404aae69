package dev.clb.analyzer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.analyzer.AnalyzerMain;
import dev.clb.analyzer.settings.Settings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CommandLineTest {
    private static String run(String... args) {
        StringWriter text = new StringWriter();
        CommandLine cli = AnalyzerMain.commandLine();
        cli.setOut(new PrintWriter(text));
        cli.setErr(new PrintWriter(text));
        int exit = cli.execute(args);
        return exit + "\n" + text;
    }

    @Test
    void everySubcommandHasHelpListingEveryEnvironmentVariable() {
        for (String command : new String[]{"a1", "a2", "a3", "a4", "a5", "a6", "all"}) {
            String help = run(command, "--help");
            assertThat(help).startsWith("0\n").contains("Usage: analyzer " + command);
            for (String env : new String[]{"ANALYZER_LB", "ANALYZER_MGMT", "ANALYZER_OWNER", "ANALYZER_LB_SETUP", "ANALYZER_LB_FOR", "ANALYZER_MGMT_FOR", "ANALYZER_OWNER_FOR", "ANALYZER_SETUPS", "ANALYZER_REQUESTS", "ANALYZER_CONCURRENCY",
                    "ANALYZER_WARMUP", "ANALYZER_OUT", "ANALYZER_SEED", "ANALYZER_LB_JAR", "ANALYZER_REPLICA_JAR"}) {
                assertThat(help.replaceAll("\\s+", " ")).as(command + " --help names " + env).contains("env " + env);
            }
        }
    }

    @Test
    void defaultsAreTheIssues() {
        AnalyzerOptions options = new AnalyzerOptions();
        new CommandLine(options).parseArgs();
        var settings = options.toSettings();
        assertThat(settings.remote()).isFalse();
        assertThat(settings.requests()).isEqualTo(10_000);
        assertThat(settings.out()).isEqualTo(Path.of("charts"));
        assertThat(settings.lbJar()).isEqualTo(Path.of("lb/target/lb.jar"));
        assertThat(settings.replicaJar()).isEqualTo(Path.of("replica/target/replica.jar"));
        assertThat(settings.primarySetup()).isEqualTo(dev.clb.analyzer.settings.Setup.ASSIGNMENT);
    }

    @Test
    void lbAndLbForMakeRemoteMode() {
        AnalyzerOptions options = new AnalyzerOptions();
        new CommandLine(options).parseArgs("--lb", "http://127.0.0.1:5000", "--mgmt", "http://127.0.0.1:9901",
                "--lb-for", "murmur=http://127.0.0.1:5001,MAGLEV-bounded=http://127.0.0.1:5002",
                "--mgmt-for", "murmur=http://127.0.0.1:9902,maglev-bounded=http://127.0.0.1:9903", "--owner-for", "murmur=lb-m");
        var settings = options.toSettings();
        assertThat(settings.remote()).isTrue();
        assertThat(settings.loadBalancers())
                .containsEntry("assignment", new Settings.Remote(URI.create("http://127.0.0.1:5000"), URI.create("http://127.0.0.1:9901"), "lb"))
                .containsEntry("murmur", new Settings.Remote(URI.create("http://127.0.0.1:5001"), URI.create("http://127.0.0.1:9902"), "lb-m"))
                .containsEntry("maglev-bounded", new Settings.Remote(URI.create("http://127.0.0.1:5002"), URI.create("http://127.0.0.1:9903"),
                        "lb-maglev-bounded"));
    }

    @Test
    void badValuesAreUsageErrors() {
        assertThat(run("a1", "--requests", "0")).startsWith("2\n").contains("--requests must be at least 1");
        assertThat(run("a1", "--lb-setup", "sha1", "--lb", "http://127.0.0.1:5000", "--mgmt", "http://127.0.0.1:9901"))
                .startsWith("2\n").contains("unknown setup 'sha1'");
        assertThat(run("a1", "--lb", "http://127.0.0.1:5000")).startsWith("2\n").contains("--lb http://127.0.0.1:5000 needs --mgmt");
        assertThat(run("a5", "--lb-for", "ring=http://127.0.0.1:5001")).startsWith("2\n").contains("needs --mgmt-for ring=URL");
        assertThat(run()).startsWith("2\n").contains("Name an experiment");
        assertThat(run("a4", "--setups", "fnv,bogus")).startsWith("2\n").contains("unknown setup 'bogus'");
    }
}

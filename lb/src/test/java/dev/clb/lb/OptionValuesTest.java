package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * A bad option value is refused naming its flag, also where the domain type that refuses it knows no flags: the
 * option layer checks the value or passes the domain's refusal on with the flag in front. Nothing is started.
 */
class OptionValuesTest {

    private static LoadBalancerOptions parse(String args) {
        List<String> all = new ArrayList<>(List.of("--bind", "127.0.0.1", "--port", "0", "--management-port", "-1", "--access-log", "off"));
        if (!args.contains("--runtime")) all.addAll(List.of("--runtime", "static", "--backends", "127.0.0.1:1"));
        all.addAll(List.of(args.split(" ")));
        LoadBalancerOptions options = new LoadBalancerOptions();
        new CommandLine(options).setOverwrittenOptionsAllowed(true).parseArgs(all.toArray(String[]::new));
        return options;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "--max-connections -1 | --max-connections must be positive",
            "--h2-max-streams 0 | --h2-max-streams must be positive",
            "--header-timeout 0 | --header-timeout must be positive",
            "--idle-timeout -5 | --idle-timeout must be positive",
            "--body-timeout 0 | --body-timeout must be positive",
            "--heartbeat-interval 0 | --heartbeat-interval must be positive",
            "--heartbeat-timeout -1 | --heartbeat-timeout must be positive",
            "--failure-threshold 0 | --failure-threshold must be at least 1",
            "--transport bogus | --transport: the transport must be auto, io_uring, epoll or nio, not 'bogus'",
            "--forwarded bogus | --forwarded: the X-Forwarded headers must be append, replace or off, not 'bogus'",
            "--access-log /nonexistent/dir/access.log | --access-log: /nonexistent/dir/access.log cannot be opened for writing: its directory does not exist",
            "--runtime static | --backends: the static runtime needs at least one backend, host:port",
            "--runtime static --backends foo | --backends: backend 'foo' is not host:port",
            "--runtime static --backends 127.0.0.1:1=0 | --backends: backend '127.0.0.1:1=0': a weight is a whole number from 1 to 256, got 0",
            "--runtime static --backends 127.0.0.1:1=heavy | --backends: backend '127.0.0.1:1=heavy' has no numeric weight",
            "--runtime static --backends 127.0.0.1:1=3,127.0.0.1:2 | --backends: the slots strategy is the assignment's map, which has no weights: "
                    + "'127.0.0.1:1' has weight 3 (weights apply under the ring and maglev strategies)",
            "--runtime local --replica-jar /nonexistent/replica.jar | --replica-jar: replica jar not found: /nonexistent/replica.jar (build it with 'mvn package')",
            "--tls-cert /nonexistent/a.pem --tls-key /nonexistent/a.key --tls-provider bogus | --tls-provider: the TLS provider must be auto, openssl or jdk, not 'bogus'"})
    void aRefusedValueNamesItsFlag(String args, String message) {
        assertThatThrownBy(() -> LoadBalancer.start(parse(args))).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }
}

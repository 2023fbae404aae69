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
            "--rate-limit -1 | --rate-limit must be between 0.001 and 1000000 requests/s, or 0 for none",
            "--rate-limit NaN | --rate-limit must be between 0.001 and 1000000 requests/s, or 0 for none",
            "--rate-limit 0.0001 | --rate-limit must be between 0.001 and 1000000 requests/s, or 0 for none",
            "--rate-limit 10 --rate-burst -1 | --rate-burst must be between 1 and 1000000, or 0 for the rate per second rounded up",
            "--rate-burst 5 | --rate-burst does not apply without --rate-limit",
            "--rate-limit 10 --trusted-proxies 10.0.0.0/33 | --trusted-proxies: '10.0.0.0/33': the prefix length of an IPv4 network is 0..32",
            "--rate-limit 10 --trusted-proxies proxy.example | --trusted-proxies: 'proxy.example' is not an IP address or a CIDR network (a.b.c.d/n, x:y::/n)",
            "--trusted-proxies 10.0.0.0/8 | --trusted-proxies does not apply without --rate-limit (it decides which client a request counts against)",
            "--access-log /nonexistent/dir/access.log | --access-log: /nonexistent/dir/access.log cannot be opened for writing: its directory does not exist",
            "--runtime static | --backends: the static runtime needs at least one backend, host:port",
            "--runtime static --backends foo | --backends: backend 'foo' is not host:port",
            "--runtime local --replica-jar /nonexistent/replica.jar | --replica-jar: replica jar not found: /nonexistent/replica.jar (build it with 'mvn package')",
            "--tls-cert /nonexistent/a.pem --tls-key /nonexistent/a.key --tls-provider bogus | --tls-provider: the TLS provider must be auto, openssl or jdk, not 'bogus'"})
    void aRefusedValueNamesItsFlag(String args, String message) {
        assertThatThrownBy(() -> LoadBalancer.start(parse(args))).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }
}

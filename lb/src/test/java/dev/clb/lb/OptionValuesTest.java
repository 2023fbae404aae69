package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clb.lb.config.LoadBalancerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A bad option value is refused naming its flag, also where the domain type that refuses it knows no flags: picocli's
 * converter or the configuration's builder passes the domain's refusal on with the flag in front. The configuration
 * is only a value: building it starts nothing.
 */
class OptionValuesTest {
    private static final String TLS = "--tls-cert /nonexistent/a.pem --tls-key /nonexistent/a.key ";

    private static List<String> args(String args) {
        List<String> all = new ArrayList<>(List.of("--bind", "127.0.0.1", "--port", "0", "--management-port", "-1", "--access-log", "off"));
        if (!args.contains("--runtime")) all.addAll(List.of("--runtime", "static", "--backends", "127.0.0.1:1"));
        all.addAll(List.of(args.split(" ")));
        return all;
    }

    private static LoadBalancerConfig config(String args) {
        return TestStack.parse(args(args)).config();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "--max-connections -1 | --max-connections must be positive, got -1",
            "--h2-max-streams 0 | --h2-max-streams must be positive, got 0",
            "--header-timeout 0 | --header-timeout must be positive, got 0 ms",
            "--idle-timeout -5 | --idle-timeout must be positive, got -5 ms",
            "--body-timeout 0 | --body-timeout must be positive, got 0 ms",
            "--body-timeout 1s | --body-timeout: '1s' is not a whole number of milliseconds",
            "--heartbeat-interval 0 | --heartbeat-interval must be positive, got 0 ms",
            "--heartbeat-timeout -1 | --heartbeat-timeout must be positive, got -1 ms",
            "--failure-threshold 0 | --failure-threshold must be at least 1, got 0",
            "--outlier-5xx -1 | --outlier-5xx must not be negative, got -1",
            "--outlier-ejection 0 | --outlier-ejection must be between 1 and 300000 ms, got 0 ms",
            "--outlier-ejection 300001 | --outlier-ejection must be between 1 and 300000 ms, got 300001 ms",
            "--outlier-max-percent 0 | --outlier-max-percent must be between 1 and 100 %, got 0",
            "--outlier-max-percent 101 | --outlier-max-percent must be between 1 and 100 %, got 101",
            "--slow-start -1 | --slow-start must be between 0 and 3600000 ms, got -1 ms",
            "--slow-start 3600001 | --slow-start must be between 0 and 3600000 ms, got 3600001 ms",
            "--slow-start 1s | --slow-start: '1s' is not a whole number of milliseconds",
            "--spawn-timeout 0 | --spawn-timeout must be positive, got 0 ms",
            "--drain-timeout -1 | --drain-timeout must not be negative, got -1 ms",
            "--standby -1 | --standby must not be negative, got -1",
            "--replicas -1 | --replicas must not be negative, got -1",
            "--metrics-retention -1 | --metrics-retention must not be negative, got -1 ms",
            "--io-threads -1 | --io-threads must not be negative, got -1",
            "--retry-buffer -1 | --retry-buffer must not be negative, got -1",
            "--attempt-deadline-floor -1 | --attempt-deadline-floor must not be negative, got -1 ms",
            "--tunnel-idle-timeout 0 | --tunnel-idle-timeout must be positive, got 0 ms",
            "--bounded-load 0.5 | --bounded-load must be a factor above 1.0 (e.g. 1.25), got 0.5",
            "--transport bogus | --transport: the transport must be auto, io_uring, epoll or nio, not 'bogus'",
            "--forwarded bogus | --forwarded: the X-Forwarded headers must be append, replace or off, not 'bogus'",
            "--rate-limit -1 | --rate-limit must be between 0.001 and 1000000 requests/s, got -1.0",
            "--rate-limit NaN | --rate-limit must be between 0.001 and 1000000 requests/s, got NaN",
            "--rate-limit 0.0001 | --rate-limit must be between 0.001 and 1000000 requests/s, got 1.0E-4",
            "--rate-limit 10 --rate-burst -1 | --rate-burst must be between 1 and 1000000, got -1",
            "--rate-burst 5 | --rate-burst does not apply without --rate-limit",
            "--rate-limit 10 --trusted-proxies 10.0.0.0/33 | --trusted-proxies: '10.0.0.0/33': the prefix length of an IPv4 network is 0..32",
            "--rate-limit 10 --trusted-proxies proxy.example | --trusted-proxies: 'proxy.example' is not an IP address or a CIDR network (a.b.c.d/n, x:y::/n)",
            "--trusted-proxies 10.0.0.0/8 | --trusted-proxies does not apply without --rate-limit (it decides which client a request counts against)",
            "--access-log /nonexistent/dir/access.log | --access-log: cannot write /nonexistent/dir/access.log: its directory does not exist",
            "--access-log /tmp | --access-log: cannot write /tmp: it is a directory",
            "--runtime bogus | unknown runtime 'bogus'; known: auto, local, docker, swarm, static",
            "--runtime static | --backends: the static runtime needs at least one backend, host:port",
            "--runtime static --backends foo | --backends: backend 'foo' is not host:port",
            "--runtime static --backends 127.0.0.1:1=0 | --backends: backend '127.0.0.1:1=0': a weight is a whole number from 1 to 256, got 0",
            "--runtime static --backends 127.0.0.1:1=heavy | --backends: backend '127.0.0.1:1=heavy' has no numeric weight",
            "--runtime static --strategy ring --vnodes 4096 --backends 127.0.0.1:1=64,127.0.0.1:2 | --backends: no room for '127.0.0.1:2': 2 replicas "
                    + "of weights summing to 65 x 4096 points exceed 262144 points",
            "--runtime static --backends 127.0.0.1:1=3,127.0.0.1:2 | --backends: the slots strategy is the assignment's map, which has no weights: "
                    + "'127.0.0.1:1' has weight 3 (weights apply under the ring and maglev strategies)",
            "--runtime local --replica-jar /nonexistent/replica.jar | --replica-jar not found: /nonexistent/replica.jar (build it with 'mvn package')",
            "--runtime local --replica-jar /nonexistent/replica.jar --replica-env novalue | --replica-env entry 'novalue' is not KEY=VALUE",
            "--runtime static --backends 127.0.0.1:1 --cluster-etcd http://127.0.0.1:2379 | --cluster-etcd: cluster mode needs replicas that "
                    + "outlive any one instance, on --runtime docker or swarm; the static runtime's replicas are not the instances' to start or replace",
            "--runtime docker --cluster-etcd 127.0.0.1:2379 | --cluster-etcd must be http://host:port, got '127.0.0.1:2379'",
            "--runtime docker --cluster-etcd http://127.0.0.1:2379 --cluster-lease 1 | --cluster-lease must be whole seconds from 2 to 60, got 1000 ms",
            "--runtime docker --cluster-etcd http://127.0.0.1:2379 --instance-id a/b | --instance-id may hold only letters, digits, '.', '_' and '-', got 'a/b'",
            "--runtime docker --cluster-etcd http://127.0.0.1:2379 --instance-id a --cluster-advertise a | --cluster-advertise must be host:port, got 'a'",
            "--runtime docker --replica-address dns | --replica-address: 'dns' is neither hostname nor ip",
            "--tls-cert /nonexistent/a.pem | --tls-cert and --tls-key go in pairs: 1 certificates, 0 keys",
            TLS + "--tls-provider bogus | --tls-provider: the TLS provider must be auto, openssl or jdk, not 'bogus'",
            TLS + "--tls-provider jdk --tls-ticket-keys /nonexistent/keys | --tls-ticket-keys needs the openssl TLS provider (the JDK's makes and rotates its own keys)",
            TLS + "--tls-port 70000 | --tls-port must be 0..65535, got 70000",
            TLS + "--port 5000 --tls-port 5000 | --tls-port must differ from the plain port 5000"})
    void aRefusedValueNamesItsFlag(String args, String message) {
        assertThatThrownBy(() -> config(args)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    /** What the load balancer's command line prints on standard error for {@code args}, and its exit code. */
    private static Map.Entry<Integer, String> run(String args) {
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            // the main's command line takes an option once: args' --access-log off goes when the test names another
            List<String> all = args(args);
            if (args.contains("--access-log")) all.subList(all.indexOf("--access-log"), all.indexOf("--access-log") + 2).clear();
            return Map.entry(LoadBalancerMain.commandLine().execute(all.toArray(String[]::new)), captured.toString());
        } finally {
            System.setErr(stderr);
        }
    }

    /**
     * An access log that cannot be written is a bad option: named, with the reason, exit 2, whether the refusal comes
     * before anything starts (a directory) or when the file is opened (/sys/kernel/notes: writable by its mode bits for
     * root, refused by the kernel; refused before anything starts for anyone else, the message the same).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "/tmp | it is a directory",
            "/sys/kernel/notes | permission denied"})
    void anAccessLogThatCannotBeWrittenIsRefusedAsABadOption(String file, String reason) {
        Map.Entry<Integer, String> exit = run("--access-log " + file);
        assertThat(exit.getValue()).as("after what was logged while starting").endsWith("lb: --access-log: cannot write " + file + ": " + reason + System.lineSeparator());
        assertThat(exit.getKey()).isEqualTo(2);
    }

    @Test
    void theLoadBalancerPrintsARefusedConversionAsItPrintsAnyRefusalAndStartsNothing() {
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        int exit;
        try {
            exit = LoadBalancerMain.commandLine().execute(args("--header-timeout 10s").toArray(String[]::new));
        } finally {
            System.setErr(stderr);
        }
        assertThat(exit).isEqualTo(2);
        assertThat(captured.toString()).isEqualTo("lb: --header-timeout: '10s' is not a whole number of milliseconds" + System.lineSeparator());
    }

    @Test
    void theSameOptionsGiveEqualConfigurationsAndALiveChangeLeavesTheFixedPartEqual() {
        LoadBalancerConfig config = config("--strategy maglev");
        assertThat(config("--strategy maglev")).isEqualTo(config);
        LoadBalancerConfig ring = config("--strategy ring --header-timeout 5000");
        assertThat(ring.fixed()).isEqualTo(config.fixed());
        assertThat(ring.live()).isNotEqualTo(config.live());
        assertThat(config("--strategy maglev --port 5001").fixed()).isNotEqualTo(config.fixed());
    }
}

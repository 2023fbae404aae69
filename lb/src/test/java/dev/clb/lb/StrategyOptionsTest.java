package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clb.hashmap.HashRing;
import dev.clb.hashmap.HashScheme;
import dev.clb.hashmap.MaglevTable;
import dev.clb.hashmap.Probing;
import dev.clb.hashmap.RingConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** --strategy and its options: each strategy's defaults, and every meaningless combination refused with a clear error. */
class StrategyOptionsTest {

    private static LoadBalancerOptions parse(String... args) {
        return TestStack.parse(List.of(args));
    }

    @Test
    void eachStrategyGetsItsOwnDefaults() {
        assertThat(StrategyOptions.strategy(parse())).isEqualTo(RingConfig.defaults());
        assertThat(StrategyOptions.strategy(parse("--strategy", "ring"))).isEqualTo(new HashRing.Config(160));
        assertThat(StrategyOptions.strategy(parse("--strategy", "MAGLEV"))).isEqualTo(new MaglevTable.Config(65537));
        assertThat(StrategyOptions.balancing(parse()).boundedLoad()).isEmpty();
    }

    @Test
    void eachStrategyTakesItsOwnOptions() {
        assertThat(StrategyOptions.strategy(parse("--hash", "fnv", "--probe", "quadratic", "--slots", "1024", "--vnodes", "4")))
                .isEqualTo(new RingConfig(1024, 4, HashScheme.FNV, Probing.QUADRATIC));
        assertThat(StrategyOptions.strategy(parse("--slots", "1024"))).isEqualTo(RingConfig.of(1024, HashScheme.ASSIGNMENT, Probing.LINEAR));
        assertThat(StrategyOptions.strategy(parse("--strategy", "ring", "--vnodes", "1024", "--hash", "murmur"))).isEqualTo(new HashRing.Config(1024));
        assertThat(StrategyOptions.strategy(parse("--strategy", "maglev", "--table-size", "655373", "--hash", "MURMUR")))
                .isEqualTo(new MaglevTable.Config(655373));
        assertThat(StrategyOptions.balancing(parse("--bounded-load", "1.25")).boundedLoad()).isEqualTo(OptionalDouble.of(1.25));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "--strategy random | --strategy: unknown strategy 'random'; known: slots, ring, maglev",
            "--strategy maglev --table-size 65536 | --table-size: the Maglev table size must be a prime between 2 and 16777216 (e.g. 65537 or 655373), got 65536",
            "--strategy maglev --vnodes 100 | --vnodes does not apply to --strategy maglev (it hashes with murmur; --hash, --probe and --slots belong to slots, --vnodes to slots and ring)",
            "--strategy maglev --hash assignment --probe linear | --hash assignment, --probe do not apply to --strategy maglev (it hashes with murmur; --hash, --probe and --slots belong to slots, --vnodes to slots and ring)",
            "--strategy ring --slots 1024 --table-size 7 | --slots, --table-size do not apply to --strategy ring (it hashes with murmur; --hash, --probe and --slots belong to slots, --vnodes to slots and ring)",
            "--strategy ring --hash fnv | --hash fnv does not apply to --strategy ring (it hashes with murmur; --hash, --probe and --slots belong to slots, --vnodes to slots and ring)",
            "--strategy ring --hash sha1 | --hash: unknown hash 'sha1'; known: assignment, murmur, fnv",
            "--table-size 65537 | --table-size does not apply to --strategy slots",
            "--hash md5 | --hash: unknown hash 'md5'; known: assignment, murmur, fnv",
            "--vnodes -1 | --vnodes must not be negative (0 means the strategy's default)",
            "--table-size -1 --strategy maglev | --table-size must not be negative (0 means 65537)",
            "--slots -5 | --slots must be positive",
            "--strategy ring --vnodes 300000 | --vnodes: points per replica must be between 1 and 262144, got 300000"})
    void meaninglessOrBadCombinationsAreRefused(String args, String message) {
        assertThatThrownBy(() -> StrategyOptions.strategy(parse(args.split(" ")))).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @ParameterizedTest
    @CsvSource({"1.0", "0.5", "-2", "NaN", "Infinity"})
    void aBoundedLoadFactorMustBeAbove1(String factor) {
        assertThatThrownBy(() -> StrategyOptions.balancing(parse("--bounded-load", factor)))
                .hasMessage("--bounded-load must be a factor above 1.0 (e.g. 1.25), got " + Double.parseDouble(factor));
    }

    @Test
    void theLoadBalancerRefusesToStartOnABadCombinationBeforeStartingAnything() {
        StringWriter err = new StringWriter();
        CommandLine cli = LoadBalancerMain.commandLine().setErr(new PrintWriter(err));
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true));
        try {
            assertThat(cli.execute("--strategy", "maglev", "--probe", "quadratic", "--runtime", "static", "--management-port", "-1")).isEqualTo(2);
        } finally {
            System.setErr(stderr);
        }
        assertThat(captured.toString()).startsWith("lb: --probe does not apply to --strategy maglev");
    }

    @Test
    void moreReplicasThanTheStrategyHoldsAreRefused() {
        assertThatThrownBy(() -> TestStack.config("--strategy", "ring", "--vnodes", "1024", "--replicas", "257"))
                .hasMessage("--replicas 257 does not fit the ring strategy (at most 256)");
        assertThatThrownBy(() -> TestStack.config("--strategy", "maglev", "--table-size", "5", "--replicas", "6"))
                .hasMessage("--replicas 6 does not fit the maglev strategy (at most 5)");
        assertThatThrownBy(() -> TestStack.config("--replicas", "57"))
                .hasMessage("--replicas 57 does not fit 512 slots with 9 virtual servers each (at most 56)");
    }

    @Test
    void helpNamesEveryStrategyOptionWithItsEnvironmentTwin() {
        String help = LoadBalancerMain.commandLine().getUsageMessage();
        for (String twin : new String[]{"LB_STRATEGY", "LB_TABLE_SIZE", "LB_BOUNDED_LOAD", "LB_VNODES", "LB_HASH"}) assertThat(help).contains(twin);
        assertThat(help).contains("ring and maglev always hash with murmur");
    }
}

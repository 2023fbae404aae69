package dev.clb.hashmap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A ring built by one map through adds, a removal and a replacement, installed node for node into another map: both
 * route every request id alike (what every instance of a cluster relies on to serve the same table).
 */
class ReplaceAllTest {

    static Stream<Arguments> strategies() {
        return Strategies.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("strategies")
    void installedNodeForNodeRoutesAsTheOriginal(String name, RingStrategy strategy) throws RingFullException {
        ConsistentHashMap<Void> built = new ConsistentHashMap<>(strategy);
        for (int i = 1; i <= 6; i++) built.add("server-" + i, null);
        built.remove("server-2");
        built.add("server-7", null);
        built.replace("server-4", "server-8", null);
        Ring<Void> original = built.ring();

        ConsistentHashMap<Void> copy = new ConsistentHashMap<>(strategy);
        copy.add("stale", null);
        copy.replaceAll(original.nodes(), original::placement);

        assertThat(copy.ring().nodes()).isEqualTo(original.nodes());
        for (long id = Ring.FIRST_SIX_DIGIT_ID; id <= Ring.LAST_SIX_DIGIT_ID; id += 7) {
            assertThat(copy.lookup(id).name()).as("id %d", id).isEqualTo(original.lookup(id).name());
        }
    }

    @Test
    void oneChangeToldOnce() throws RingFullException {
        List<Ring<Void>> told = new java.util.ArrayList<>();
        ConsistentHashMap<Void> map = new ConsistentHashMap<>(Strategies.MAGLEV, told::add);
        map.replaceAll(Strategies.ring(Strategies.MAGLEV, 3).nodes(), n -> java.util.Optional.empty());
        assertThat(told).hasSize(1);
        assertThat(told.get(0).size()).isEqualTo(3);
    }
}

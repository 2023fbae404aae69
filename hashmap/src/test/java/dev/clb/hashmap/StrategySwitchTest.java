package dev.clb.hashmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A map moved to another strategy: the same replicas, ring ids, weights and values, on one new ring; or nothing when they do not fit. */
class StrategySwitchTest {

    @Test
    void theSameReplicasOnTheirRingIdsArePlacedByTheNewStrategyInOneChange() throws RingFullException {
        List<Ring<String>> installed = new ArrayList<>();
        ConsistentHashMap<String> map = new ConsistentHashMap<>(new HashRing.Config(HashRing.DEFAULT_POINTS), installed::add);
        map.add(new Node<>("a", 1, 2, "A"), java.util.Optional.empty());
        map.add(new Node<>("b", 3, 1, "B"), java.util.Optional.empty());
        Ring<String> before = map.ring();
        installed.clear();

        Ring<String> after = map.switchTo(new MaglevTable.Config(MaglevTable.DEFAULT_TABLE_SIZE));
        assertThat(installed).as("one change").containsExactly(after);
        assertThat(map.ring()).isSameAs(after);
        assertThat(after.strategy()).isEqualTo(new MaglevTable.Config(MaglevTable.DEFAULT_TABLE_SIZE));
        assertThat(after.nodes()).containsExactlyElementsOf(before.nodes());
        assertThat(after.shares().get("a") / (double) Ring.SIX_DIGIT_IDS).isBetween(0.65, 0.68);
        assertThat(before.strategy().name()).as("the old ring is untouched").isEqualTo("ring");
    }

    @Test
    void replicasThatDoNotFitTheNewStrategyLeaveTheMapAsItWas() throws RingFullException {
        ConsistentHashMap<String> map = new ConsistentHashMap<>(new HashRing.Config(HashRing.DEFAULT_POINTS));
        map.add(new Node<>("a", 1, 2, "A"), java.util.Optional.empty());
        Ring<String> before = map.ring();
        assertThatThrownBy(() -> map.switchTo(RingConfig.defaults())).isInstanceOf(IllegalArgumentException.class);
        assertThat(map.ring()).isSameAs(before);
    }
}

package dev.clb.hashmap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The figures SPEC §3 derives from the assignment's defaults. */
class RingFiguresTest {
    private static final long FIRST_6_DIGIT = 100_000, LAST_6_DIGIT = 999_999;

    static ConsistentHashMap<Void> mapWith(int replicas, RingConfig config) throws RingFullException {
        ConsistentHashMap<Void> map = new ConsistentHashMap<>(config);
        for (int i = 1; i <= replicas; i++) map.add("server-" + i, null);
        return map;
    }

    static SlotRing<Void> slotRing(ConsistentHashMap<Void> map) {
        return (SlotRing<Void>) map.ring();
    }

    @Test
    void assignmentRequestHashReachesOnly87Slots() {
        long distinct = LongStream.rangeClosed(FIRST_6_DIGIT, LAST_6_DIGIT)
                .map(id -> HashScheme.ASSIGNMENT.request().slot(id, 512)).distinct().count();
        assertThat(distinct).isEqualTo(87);
    }

    @Test
    void virtualServersOfIds1To3SitWithoutCollisionBetweenSlots26And114() throws RingFullException {
        SlotRing<Void> ring = slotRing(mapWith(3, RingConfig.defaults()));
        assertThat(ring.virtualServerSlots("server-1")).containsExactly(26, 29, 34, 41, 50, 61, 74, 89, 106);
        int[] all = IntStream.concat(IntStream.concat(
                IntStream.of(ring.virtualServerSlots("server-1")), IntStream.of(ring.virtualServerSlots("server-2"))),
                IntStream.of(ring.virtualServerSlots("server-3"))).toArray();
        assertThat(all).hasSize(27).doesNotHaveDuplicates();
        assertThat(IntStream.of(all).min().getAsInt()).isEqualTo(26);
        assertThat(IntStream.of(all).max().getAsInt()).isEqualTo(114);
    }

    @ParameterizedTest(name = "N = {0}: {1}")
    @CsvSource(delimiter = ';', value = {
            "2; 9531/469",
            "3; 8437/469/1094",
            "4; 8203/469/1016/312",
            "5; 7969/312/938/312/469",
            "6; 7891/312/938/312/469/78"})
    void expectedSharePer10000RequestsOverAll6DigitIds(int n, String expected) throws RingFullException {
        Map<String, Long> share = mapWith(n, RingConfig.defaults()).ring().shares();
        long total = LAST_6_DIGIT - FIRST_6_DIGIT + 1;
        // rounded half to even, as the spec's figures are (312.5 → 312)
        List<Long> per10000 = share.values().stream().map(c -> (long) Math.rint(c * 10000.0 / total)).toList();
        assertThat(per10000).containsExactlyElementsOf(
                java.util.Arrays.stream(expected.split("/")).map(Long::valueOf).toList());
    }

    @Test
    void wellMixedSchemesSpreadFarBetterThanTheAssignment() throws RingFullException {
        for (HashScheme scheme : List.of(HashScheme.MURMUR, HashScheme.FNV)) {
            Map<String, Long> share = mapWith(3, RingConfig.of(512, scheme, Probing.LINEAR)).ring()
                    .requestShare(FIRST_6_DIGIT, LAST_6_DIGIT);
            long max = share.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            // the assignment's biggest replica gets 84 % of requests; with 9 random virtual servers each, no replica should
            assertThat(max).as(scheme.name()).isLessThan(600_000);
            assertThat(share.values()).as(scheme.name()).allMatch(c -> c > 100_000);
        }
    }

    @Test
    void requestSlotsDoNotOverflowForHugeOrNegativeIds() {
        for (HashScheme scheme : HashScheme.ALL) {
            for (long id : new long[]{Long.MAX_VALUE, Long.MIN_VALUE, -1, 0, 3_000_000_000L}) {
                assertThat(scheme.request().slot(id, 512)).as(scheme.name() + " " + id).isBetween(0, 511);
            }
        }
        // H(i) mod M depends only on i mod M, so a huge id lands where its residue does
        assertThat(HashScheme.ASSIGNMENT.request().slot(512L * 1_000_000_007L + 5, 512))
                .isEqualTo(HashScheme.ASSIGNMENT.request().slot(5, 512));
    }

    @Test
    void schemesAreFoundByShortName() {
        assertThat(HashScheme.named("MURMUR")).isSameAs(HashScheme.MURMUR);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HashScheme.named("sha1"))
                .hasMessageContaining("unknown hash 'sha1'").hasMessageContaining("assignment, murmur, fnv");
    }
}

package dev.clb.hashmap;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The mixers bit for bit, against values computed independently of this code (and FNV-1a's published vector). */
class MixersTest {

    @Test
    void fmix64IsMurmur3sFinaliser() {
        assertThat(Mixers.fmix64(0)).isZero();
        assertThat(Mixers.fmix64(1)).isEqualTo(-5451962507482445012L);
        assertThat(Mixers.fmix64(123456)).isEqualTo(-5328597480655407208L);
        assertThat(Mixers.fmix64(-1)).isEqualTo(7256831767414464289L);
    }

    @Test
    void fnv1aTakesTheEightBytesLowestFirstAndFoldXorsTheHighHalves() {
        assertThat(Mixers.fnv1a(Mixers.FNV_OFFSET, 0)).isEqualTo(-6284781860667377211L);
        assertThat(Mixers.fnv1a(Mixers.FNV_OFFSET, 123456)).isEqualTo(6192148097294465718L);
        assertThat(Mixers.fnv1a(Mixers.FNV_OFFSET, -1)).isEqualTo(-8289690350564177859L);
        assertThat(Mixers.fold(-6284781860667377211L)).isEqualTo(-6284781859178190544L);
        assertThat(Mixers.fold(6192148097294465718L)).isEqualTo(6192148098005222075L);
        assertThat(Mixers.fold(-8289690350564177859L)).isEqualTo(-8289690352918061501L);
    }

    @Test
    void stableIdIsFnv1aOfTheCharsWithoutTheSignBit() {
        assertThat(Mixers.stableId("a")).isEqualTo(0x2f63dc4c8601ec8cL); // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c
        assertThat(Mixers.stableId("user-42@example")).isEqualTo(7929848353971866341L);
        assertThat(Mixers.stableId("")).isEqualTo(Mixers.FNV_OFFSET & Long.MAX_VALUE);
    }
}

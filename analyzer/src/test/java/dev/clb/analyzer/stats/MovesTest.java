package dev.clb.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class MovesTest {
    @Test
    void countsMovesAndThoseBetweenReplicasThatStayed() {
        // ring ids 1..3 before; 4 added: two ids go to 4 (forced), one goes from 1 to 2 (both stayed); one failed after
        int[] before = {1, 1, 2, 3, 1, 2, 3, 1};
        int[] after = {1, 4, 2, 4, 2, 2, 3, 0};

        Moves moves = Moves.between(before, after, Set.of(1, 2, 3));

        assertThat(moves.compared()).isEqualTo(7);
        assertThat(moves.moved()).isEqualTo(3);
        assertThat(moves.movedBetweenStayers()).isEqualTo(1);
        assertThat(moves.fraction()).isEqualTo(3 / 7.0);
        assertThat(moves.betweenStayersFraction()).isEqualTo(1 / 7.0);
    }

    @Test
    void aRemovedReplicasIdsMovingIsNotBetweenStayers() {
        int[] before = {2, 2, 1, 3};
        int[] after = {1, 3, 1, 3};

        Moves moves = Moves.between(before, after, Set.of(1, 3));

        assertThat(moves.moved()).isEqualTo(2);
        assertThat(moves.movedBetweenStayers()).isZero();
    }

    @Test
    void nothingComparedIsNoMove() {
        Moves moves = Moves.between(new int[]{0, 1}, new int[]{2, 0}, Set.of(1, 2));
        assertThat(moves.compared()).isZero();
        assertThat(moves.fraction()).isZero();
    }

    @Test
    void runsOfDifferentLengthsAreRefused() {
        assertThatThrownBy(() -> Moves.between(new int[2], new int[3], Set.of())).isInstanceOf(IllegalArgumentException.class);
    }
}

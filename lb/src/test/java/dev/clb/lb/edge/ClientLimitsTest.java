package dev.clb.lb.edge;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The client limits check their own invariants and say so about the value, knowing no command-line flag. */
class ClientLimitsTest {

    @ParameterizedTest(name = "{5}")
    @CsvSource(delimiter = '|', value = {
            "0  | 1  | 1 | 1  | 1 | the header timeout must be positive, got 0 ms",
            "1  | -5 | 1 | 1  | 1 | the idle timeout must be positive, got -5 ms",
            "1  | 1  | 0 | 1  | 1 | the body timeout must be positive, got 0 ms",
            "1  | 1  | 1 | -1 | 1 | the connection limit must be positive, got -1",
            "1  | 1  | 1 | 1  | 0 | the stream limit per HTTP/2 connection must be positive, got 0"})
    void eachLimitMustBePositive(long header, long idle, long body, int connections, int streams, String message) {
        assertThatThrownBy(() -> new ClientLimits(header, idle, body, connections, streams))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }
}

package dev.clb.lb.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class TransportTest {
    @Test
    void autoTakesTheFirstOfIoUringEpollAndNioThatWorksHere() {
        Transport first = Stream.of(Transport.values()).filter(t -> t.whyUnavailable().isEmpty()).findFirst().orElseThrow();
        assertThat(Transport.named("auto")).isEqualTo(first);
        assertThat(Transport.named(" AUTO ")).isEqualTo(first);
        System.out.println("TRANSPORTS here: " + Stream.of(Transport.values()).map(t -> t + " " + t.whyUnavailable().orElse("works")).toList());
    }

    @Test
    void aTransportIsNamedAsTheOptionSpellsIt() {
        assertThat(Transport.named("nio")).isEqualTo(Transport.NIO);
        assertThat(Transport.NIO.whyUnavailable()).isEmpty();
        assertThat(Transport.values()).extracting(Transport::toString).containsExactly("io_uring", "epoll", "nio");
    }

    @Test
    void anUnknownNameIsRefusedNamingTheChoices() {
        assertThatThrownBy(() -> Transport.named("kqueue")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the transport must be auto, io_uring, epoll or nio, not 'kqueue'");
    }
}

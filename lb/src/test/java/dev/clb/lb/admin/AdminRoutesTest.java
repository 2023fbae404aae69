package dev.clb.lb.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.clb.lb.membership.MembershipException;
import dev.clb.lb.membership.MembershipException.InvalidChange;
import dev.clb.lb.membership.MembershipException.NoRoom;
import dev.clb.lb.membership.MembershipException.StartFailed;
import dev.clb.lb.membership.MembershipException.Unavailable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The one place where membership errors become the admin API's answers: each kind's status and its body, byte for
 * byte as a running load balancer sends it (the bodies are ones captured from /add and /rm).
 */
class AdminRoutesTest {

    static Stream<Arguments> refusals() {
        return Stream.of(
                arguments(new InvalidChange("Length of hostname list is more than newly added instances"), 400,
                        "{\"message\": \"<Error> Length of hostname list is more than newly added instances\", \"status\": \"failure\"}"),
                arguments(new InvalidChange("Hostname \"-bad\" is not valid: use 1 to 63 characters from [a-zA-Z0-9_.-], starting with a letter or digit"), 400,
                        "{\"message\": \"<Error> Hostname \\\"-bad\\\" is not valid: use 1 to 63 characters from [a-zA-Z0-9_.-], "
                                + "starting with a letter or digit\", \"status\": \"failure\"}"),
                arguments(new NoRoom("Cannot add 60 replicas to the 3 there are: the map (512 slots, 9 virtual servers each) has no room for them "
                                + "(no free slot for virtual server 8 of 'h54' (linear probing from slot 282, 56 replicas x 9 virtual servers in 512 slots))"), 400,
                        "{\"message\": \"<Error> Cannot add 60 replicas to the 3 there are: the map (512 slots, 9 virtual servers each) has no room for them "
                                + "(no free slot for virtual server 8 of 'h54' (linear probing from slot 282, 56 replicas x 9 virtual servers in 512 slots))\", "
                                + "\"status\": \"failure\"}"),
                arguments(new StartFailed("Could not start replicas: replica 'S9' exited before it answered /heartbeat"), 503,
                        "{\"message\": \"<Error> Could not start replicas: replica 'S9' exited before it answered /heartbeat\", \"status\": \"failure\"}"),
                arguments(new Unavailable("No instance of the cluster leads now: membership changes wait for one to be elected"), 503,
                        "{\"message\": \"<Error> No instance of the cluster leads now: membership changes wait for one to be elected\", "
                                + "\"status\": \"failure\"}"));
    }

    @ParameterizedTest
    @MethodSource("refusals")
    void eachRefusalIsAnsweredWithItsStatusAndTheErrorBody(MembershipException refusal, int status, String body) {
        assertThat(AdminRoutes.refused(refusal)).isEqualTo(new AdminRoutes.Answer(status, body));
    }

    @Test
    void everyKindOfRefusalHasItsAnswerHere() {
        assertThat(refusals().<Class<?>>map(arguments -> arguments.get()[0].getClass()).collect(Collectors.toSet()))
                .as("a new kind of MembershipException needs its status decided in AdminRoutes.refused, and a case here")
                .containsExactlyInAnyOrder(MembershipException.class.getPermittedSubclasses());
    }
}

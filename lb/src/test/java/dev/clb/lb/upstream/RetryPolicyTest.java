package dev.clb.lb.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.lb.upstream.RetryPolicy.AfterFailure;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    @Test
    void onlyMethodsThatMayActTwiceAreIdempotent() {
        for (HttpMethod method : new HttpMethod[] {HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE}) {
            assertThat(RetryPolicy.idempotent(method)).as(method.name()).isTrue();
        }
        for (HttpMethod method : new HttpMethod[] {HttpMethod.POST, HttpMethod.PATCH, HttpMethod.CONNECT, HttpMethod.valueOf("PURGE")}) {
            assertThat(RetryPolicy.idempotent(method)).as(method.name()).isFalse();
        }
    }

    @Test
    void afterAFailureTheNextReplicaGetsWhatCannotHarmTwiceAndWhatNeverArrived() {
        assertThat(RetryPolicy.afterFailure(true, true, false)).isEqualTo(AfterFailure.NEXT_REPLICA);
        assertThat(RetryPolicy.afterFailure(true, false, true)).as("a POST whose connection was refused").isEqualTo(AfterFailure.NEXT_REPLICA);
        assertThat(RetryPolicy.afterFailure(true, false, false)).as("a POST that may have arrived").isEqualTo(AfterFailure.NOT_IDEMPOTENT);
        assertThat(RetryPolicy.afterFailure(false, true, true)).as("a body no longer whole, whatever the method").isEqualTo(AfterFailure.BODY_NOT_KEPT);
    }

    @Test
    void aStalePooledConnectionIsRetriedOnAFreshOneOnlyBeforeAnyAnswerAndWhereSendingTwiceIsSafe() {
        IOException reset = new IOException("Connection reset by peer");
        assertThat(RetryPolicy.againOnFreshConnection(true, false, reset, true, true, true)).isTrue();
        assertThat(RetryPolicy.againOnFreshConnection(true, false, reset, false, false, true)).as("a POST not yet written").isTrue();
        assertThat(RetryPolicy.againOnFreshConnection(true, false, reset, true, false, true)).as("a POST written").isFalse();
        assertThat(RetryPolicy.againOnFreshConnection(false, false, reset, false, true, true)).as("a new connection").isFalse();
        assertThat(RetryPolicy.againOnFreshConnection(true, true, reset, true, true, true)).as("an answer had begun").isFalse();
        assertThat(RetryPolicy.againOnFreshConnection(true, false, new TimeoutException(), true, true, true)).as("not an I/O failure").isFalse();
        assertThat(RetryPolicy.againOnFreshConnection(true, false, reset, false, true, false)).as("the body is gone").isFalse();
    }

    @Test
    void onlyAFirstAttemptThatCanGoElsewhereMayLeaveBeforeTheTimeout() {
        assertThat(RetryPolicy.mayLeaveEarly(1, true, true, 3)).isTrue();
        assertThat(RetryPolicy.mayLeaveEarly(2, true, true, 3)).as("a second attempt").isFalse();
        assertThat(RetryPolicy.mayLeaveEarly(1, false, true, 3)).as("a POST").isFalse();
        assertThat(RetryPolicy.mayLeaveEarly(1, true, false, 3)).as("a body not kept").isFalse();
        assertThat(RetryPolicy.mayLeaveEarly(1, true, true, 1)).as("no other replica").isFalse();
    }
}

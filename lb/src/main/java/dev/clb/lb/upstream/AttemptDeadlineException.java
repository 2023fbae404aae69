package dev.clb.lb.upstream;

import dev.clb.lb.backend.LatencyWindow;
import java.util.concurrent.TimeoutException;

/** A first attempt got no answer head within the deadline its replica's recent answers suggest: the request goes elsewhere. */
final class AttemptDeadlineException extends TimeoutException {
    AttemptDeadlineException(long deadlineMillis) {
        super("no answer head within " + deadlineMillis + " ms (" + LatencyWindow.MULTIPLE + " x the replica's recent p99, at least the attempt deadline floor)");
    }
}

package dev.clb.analyzer.deploy;

import dev.clb.analyzer.settings.Setup;
import java.io.IOException;
import java.net.URI;

/** A load balancer with its replicas that an experiment drives: one the analyzer started, or one already running. */
public interface Deployment extends AutoCloseable {
    URI url();

    /** Its management port, where {@code GET /ring} says how it places requests. */
    URI management();

    Setup setup();

    /** One line for the console: what this is and where. */
    String describe();

    /** Kills the replica {@code hostname} for real (SIGKILL, {@code docker kill}); returns once the kill has been sent. */
    void kill(String hostname) throws IOException, InterruptedException;

    /** Stops what the analyzer started, or puts a running deployment back to the number of replicas it had. */
    @Override
    void close() throws IOException;
}

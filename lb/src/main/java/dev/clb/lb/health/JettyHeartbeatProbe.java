package dev.clb.lb.health;

import dev.clb.lb.backend.Backend;
import dev.clb.lb.health.HeartbeatMonitor.Outcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;

/** {@code GET /heartbeat} on Jetty's asynchronous client, separate from the proxy's connections. */
public final class JettyHeartbeatProbe implements HeartbeatProbe {
    private final HttpClient client;

    public JettyHeartbeatProbe(HttpClient client) {
        this.client = client;
    }

    @Override
    public CompletableFuture<Outcome> beat(Backend backend, Duration timeout) {
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        try {
            client.newRequest(backend.host(), backend.port()).path("/heartbeat")
                    .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .send(result -> {
                        if (result.isSucceeded() && result.getResponse().getStatus() == 200) {
                            outcome.complete(Outcome.ALIVE);
                        } else {
                            outcome.complete(HeartbeatMonitor.isRefusal(result.getFailure()) ? Outcome.REFUSED : Outcome.MISSED);
                        }
                    });
        } catch (RuntimeException e) {
            outcome.complete(Outcome.MISSED);
        }
        return outcome;
    }
}

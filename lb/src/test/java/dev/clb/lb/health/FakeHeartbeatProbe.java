package dev.clb.lb.health;

import dev.clb.lb.backend.Backend;
import dev.clb.lb.health.HeartbeatMonitor.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Heartbeats answered by the test: each backend answers {@link Outcome#ALIVE} at once unless told otherwise, or
 * not at all until the test completes the heartbeat ({@link #hold}). Records every heartbeat sent.
 */
public final class FakeHeartbeatProbe implements HeartbeatProbe {
    private final Map<String, Outcome> answers = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Outcome>> held = new ConcurrentHashMap<>();
    private final List<String> sent = new CopyOnWriteArrayList<>();

    /** From now on {@code hostname}'s heartbeats get {@code outcome} at once. */
    public FakeHeartbeatProbe answer(String hostname, Outcome outcome) {
        held.remove(hostname);
        answers.put(hostname, outcome);
        return this;
    }

    /** From now on {@code hostname}'s heartbeats stay unanswered until {@link #release}. */
    public FakeHeartbeatProbe hold(String hostname) {
        held.put(hostname, new CompletableFuture<>());
        return this;
    }

    /** Answers the heartbeats held for {@code hostname} with {@code outcome}, and later ones too. */
    public void release(String hostname, Outcome outcome) {
        CompletableFuture<Outcome> pending = held.remove(hostname);
        answers.put(hostname, outcome);
        if (pending != null) pending.complete(outcome);
    }

    /** How many heartbeats went to {@code hostname}. */
    public long sentTo(String hostname) {
        return sent.stream().filter(hostname::equals).count();
    }

    @Override
    public CompletableFuture<Outcome> beat(Backend backend, Duration timeout) {
        sent.add(backend.hostname());
        CompletableFuture<Outcome> pending = held.get(backend.hostname());
        if (pending != null) return pending;
        return CompletableFuture.completedFuture(answers.getOrDefault(backend.hostname(), Outcome.ALIVE));
    }
}

package dev.clb.lb.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clb.lb.config.Cluster;
import dev.clb.lb.membership.MembershipException.Unavailable;
import dev.clb.lb.membership.SharedState;
import dev.clb.lb.membership.SharedStore;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.NoLeaderException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's {@link SharedStore} on etcd, under the prefix {@code /clb/<cluster name>/}: the state in one key
 * ({@code state}), changed only by a transaction that compares the writer's leader key; the election
 * ({@code election}, etcd's election API) with a lease of {@code --cluster-lease} seconds; each instance's address under
 * {@code instances/<id>} on the same lease.
 *
 * <p>The lease is renewed by this class every third of its time, not by the client's keep-alive stream, so that it
 * knows when it last held: an instance that could not renew for a whole lease deposes itself, as the store will have
 * given the lead to another by then. Each campaign takes a new lease (and registers the instance on it).
 */
public final class EtcdStore implements SharedStore {
    private static final Logger log = LoggerFactory.getLogger(EtcdStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long one request to etcd may take before the store counts as unreachable for it. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

    private final Cluster settings;
    private final Client client;
    private final ByteSequence stateKey;
    private final ByteSequence electionName;
    private final String prefix;
    /** Renews the lease, and nothing else, so that a slow answer elsewhere never delays the renewal or the deposition. */
    private final ScheduledExecutorService renewal = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("etcd-lease", true));
    /** Reads who leads, and re-establishes the watch. */
    private final ScheduledExecutorService observer = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("etcd-observer", true));
    private final AtomicBoolean rewatchPending = new AtomicBoolean();
    private final Thread campaigner;
    /** The lease this instance campaigns and leads on, and when it was last renewed (System.nanoTime). */
    private volatile Optional<Lease> lease = Optional.empty();
    private volatile Optional<CompletableFuture<CampaignResponse>> campaigning = Optional.empty();
    /** The leader key while this instance leads: what each write compares. */
    private volatile Optional<LeaderKey> term = Optional.empty();
    private volatile Optional<Instance> leader = Optional.empty();
    private volatile Optional<Leadership> leadership = Optional.empty();
    private volatile Optional<Watch.Watcher> watcher = Optional.empty();
    /** The lead was given up rather than lost: campaign again only a lease later. */
    private volatile boolean resigned;
    private volatile boolean closed;

    private record Lease(long id, long renewedAt) {
    }

    public EtcdStore(Cluster settings) {
        this.settings = settings;
        this.client = Client.builder().endpoints(settings.etcd().toArray(String[]::new)).connectTimeout(REQUEST_TIMEOUT).build();
        this.prefix = "/clb/" + settings.name() + "/";
        this.stateKey = bytes(prefix + "state");
        this.electionName = bytes(prefix + "election");
        this.campaigner = new DefaultThreadFactory("etcd-campaign", true).newThread(this::campaignForever);
        long third = Math.max(100, settings.lease().toMillis() / 3);
        renewal.scheduleWithFixedDelay(this::renew, 0, third, TimeUnit.MILLISECONDS);
        observer.scheduleWithFixedDelay(this::readLeader, 0, third, TimeUnit.MILLISECONDS);
    }

    @Override
    public String self() {
        return settings.instanceId();
    }

    @Override
    public Optional<Stored> current() throws Unavailable {
        List<KeyValue> kvs = await(client.getKVClient().get(stateKey), "read the cluster's state").getKvs();
        return kvs.isEmpty() ? Optional.empty() : Optional.of(stored(kvs.get(0)));
    }

    /**
     * Watches the state key from {@code revision}; on an error (etcd unreachable, or compacted past the revision) it
     * watches again from the state read then, so no state is missed for good.
     */
    @Override
    public void watch(long revision, Consumer<Stored> changed) {
        if (closed) return;
        Watch.Listener listener = Watch.listener(response -> {
            for (WatchEvent event : response.getEvents()) {
                if (event.getEventType() == WatchEvent.EventType.PUT) changed.accept(stored(event.getKeyValue()));
            }
        }, error -> {
            if (rewatchPending.compareAndSet(false, true)) {
                log.warn("watching the cluster's state: {}; watching again", error.getMessage());
                observer.schedule(() -> rewatch(changed), 500, TimeUnit.MILLISECONDS);
            }
        });
        watcher = Optional.of(client.getWatchClient().watch(stateKey, WatchOption.builder().withRevision(revision + 1).build(), listener));
    }

    private void rewatch(Consumer<Stored> changed) {
        if (closed) return;
        watcher.ifPresent(Watch.Watcher::close);
        try {
            GetResponse now = await(client.getKVClient().get(stateKey), "read the cluster's state");
            if (!now.getKvs().isEmpty()) changed.accept(stored(now.getKvs().get(0)));
            rewatchPending.set(false);
            watch(now.getHeader().getRevision(), changed); // from the store's revision of the read: nothing between is missed
        } catch (Unavailable e) {
            observer.schedule(() -> rewatch(changed), 500, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void campaign(Leadership leadership) {
        this.leadership = Optional.of(leadership);
        campaigner.start();
    }

    /** Campaigns, leads until deposed, and campaigns again, until closed; after a resignation, a lease later. */
    private void campaignForever() {
        while (!closed) {
            try {
                lease.ifPresent(old -> revoke(old.id())); // a lead lost: its lease, if the store still has it
                long leaseId = await(client.getLeaseClient().grant(settings.lease().toSeconds()), "take a lease").getID();
                lease = Optional.of(new Lease(leaseId, System.nanoTime()));
                register(leaseId);
                CompletableFuture<CampaignResponse> campaign = client.getElectionClient().campaign(electionName, leaseId, bytes(JSON.writeValueAsString(me())));
                campaigning = Optional.of(campaign);
                LeaderKey key = campaign.get().getLeader();
                campaigning = Optional.empty();
                if (closed) break;
                term = Optional.of(key);
                leader = Optional.of(me());
                log.info("instance {} elected (term {}, lease {}s)", self(), key.getRevision(), settings.lease().toSeconds());
                leadership.get().elected(key.getRevision());
                while (!closed && term.isPresent()) Thread.sleep(50);
                if (resigned) {
                    resigned = false;
                    Thread.sleep(settings.lease().toMillis());
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (closed) return;
                term = Optional.empty();
                log.warn("campaign for the lead: {}; again in {} ms", message(e), settings.lease().toMillis());
                lease.ifPresent(held -> revoke(held.id()));
                lease = Optional.empty();
                try {
                    Thread.sleep(settings.lease().toMillis());
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private Instance me() {
        return new Instance(self(), settings.advertise());
    }

    /** This instance's address under {@code instances/<id>}, gone with its lease. */
    private void register(long lease) throws Unavailable, JsonProcessingException {
        await(client.getKVClient().put(bytes(prefix + "instances/" + self()), bytes(JSON.writeValueAsString(me())),
                PutOption.builder().withLeaseId(lease).build()), "register this instance");
    }

    /**
     * Renews the lease, while campaigning and while leading. When it has not been renewed for a whole lease the store
     * has let it go (and given the lead to another): a campaign is abandoned (and begun again on a new lease), a lead
     * deposed. Each try waits no longer than the lease has left, so the deposition comes at the lease's end.
     */
    private void renew() {
        Optional<Lease> held = lease;
        if (held.isEmpty()) return;
        long end = held.get().renewedAt() + settings.lease().toNanos();
        long left = Math.max(1, Math.min(REQUEST_TIMEOUT.toNanos(), end - System.nanoTime()));
        try {
            long ttl = await(client.getLeaseClient().keepAliveOnce(held.get().id()), "renew the lease", Duration.ofNanos(left)).getTTL();
            if (ttl <= 0) {
                lost("the lease expired");
            } else {
                lease = Optional.of(new Lease(held.get().id(), System.nanoTime()));
            }
        } catch (Unavailable e) {
            if (System.nanoTime() - end >= 0) lost("the lease was not renewed for " + settings.lease().toSeconds() + " s: " + e.getMessage());
        }
    }

    /** Who leads, as etcd's election says; none when it has no leader. */
    private void readLeader() {
        try {
            var answer = client.getElectionClient().leader(electionName).get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            leader = Optional.of(JSON.readValue(answer.getKv().getValue().toString(StandardCharsets.UTF_8), Instance.class));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NoLeaderException) leader = Optional.empty();
        } catch (TimeoutException | JsonProcessingException e) {
            // unknown now: the last seen stays
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void lost(String why) {
        Optional<LeaderKey> held = term;
        term = Optional.empty();
        campaigning.ifPresent(campaign -> campaign.cancel(true));
        if (held.isEmpty()) return;
        log.warn("instance {} deposed: {}", self(), why);
        leadership.ifPresent(l -> l.deposed(held.get().getRevision()));
    }

    @Override
    public boolean leads(long term) {
        return this.term.map(key -> key.getRevision() == term).orElse(false);
    }

    @Override
    public void resign(long term) {
        if (!leads(term)) return;
        resigned = true;
        lost("it resigned");
    }

    @Override
    public Written write(SharedState state) {
        Optional<LeaderKey> held = term;
        if (held.isEmpty()) return new Written.NotLeader();
        try {
            LeaderKey key = held.get();
            TxnResponse answer = await(client.getKVClient().txn()
                    .If(new Cmp(key.getKey(), Cmp.Op.EQUAL, CmpTarget.createRevision(key.getRevision())))
                    .Then(Op.put(stateKey, bytes(JSON.writeValueAsString(state)), PutOption.DEFAULT))
                    .commit(), "write the cluster's state");
            if (answer.isSucceeded()) return new Written.Done(answer.getHeader().getRevision());
            lost("a write was refused: its leader key is gone");
            return new Written.NotLeader();
        } catch (Unavailable e) {
            return new Written.Unreachable(e.getMessage());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the state does not serialise", e);
        }
    }

    /** A linearizable read of this instance's leader key: it answers only with a quorum, and only while the key is ours. */
    @Override
    public void checkWritable() throws Unavailable {
        Optional<LeaderKey> held = term;
        if (held.isEmpty()) throw new Unavailable("This instance no longer leads the cluster: try again");
        List<KeyValue> kvs = await(client.getKVClient().get(held.get().getKey()), "reach a quorum").getKvs();
        if (kvs.isEmpty() || kvs.get(0).getCreateRevision() != held.get().getRevision()) {
            throw new Unavailable("This instance no longer leads the cluster: try again");
        }
    }

    @Override
    public Optional<Instance> leader() {
        return leader;
    }

    /** The instances registered now, and the answer of each etcd endpoint (its version, or why none). */
    public ClusterView view() {
        List<Instance> instances = new ArrayList<>();
        try {
            for (KeyValue kv : await(client.getKVClient().get(bytes(prefix + "instances/"), GetOption.builder().isPrefix(true).build()),
                    "list the instances").getKvs()) {
                instances.add(JSON.readValue(kv.getValue().toString(StandardCharsets.UTF_8), Instance.class));
            }
        } catch (Unavailable | JsonProcessingException e) {
            // listed as unknown: the endpoints say why
        }
        List<ClusterView.Endpoint> endpoints = settings.etcd().stream().map(this::endpoint).toList();
        return new ClusterView(instances, endpoints);
    }

    private ClusterView.Endpoint endpoint(String url) {
        try {
            var status = await(client.getMaintenanceClient().statusMember(url), "ask " + url);
            return new ClusterView.Endpoint(url, status.getLeader() != 0, status.getVersion(), null);
        } catch (Unavailable e) {
            return new ClusterView.Endpoint(url, false, null, e.getMessage());
        }
    }

    /** The instances registered and each etcd endpoint's health, as {@code /cluster} shows them. */
    public record ClusterView(List<Instance> instances, List<Endpoint> etcd) {
        /** Healthy: it answered and knows its cluster's leader; the version it runs, or (JSON null otherwise) why it did not answer. */
        public record Endpoint(String url, boolean healthy, String version, String error) {
        }
    }

    private void revoke(long lease) {
        if (lease == 0) return;
        try {
            await(client.getLeaseClient().revoke(lease), "revoke the lease");
        } catch (Unavailable | RuntimeException e) {
            log.debug("revoking lease {}: {}", lease, message(e));
        }
    }

    /** Resigns by revoking the lease (the next instance is elected at once, not after the lease), and disconnects. */
    @Override
    public void close() {
        closed = true;
        term = Optional.empty();
        lease.ifPresent(held -> revoke(held.id()));
        campaigner.interrupt();
        renewal.shutdownNow();
        observer.shutdownNow();
        watcher.ifPresent(Watch.Watcher::close);
        client.close();
    }

    private static Stored stored(KeyValue kv) {
        try {
            return new Stored(kv.getModRevision(), JSON.readValue(kv.getValue().toString(StandardCharsets.UTF_8), SharedState.class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the cluster's state at revision " + kv.getModRevision() + " does not parse: " + e.getMessage(), e);
        }
    }

    private <T> T await(CompletableFuture<T> request, String what) throws Unavailable {
        return await(request, what, REQUEST_TIMEOUT);
    }

    private <T> T await(CompletableFuture<T> request, String what, Duration timeout) throws Unavailable {
        try {
            return request.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            request.cancel(true);
            throw new Unavailable("etcd (" + String.join(",", settings.etcd()) + ") did not answer within " + timeout.toMillis()
                    + " ms to " + what + ": it is unreachable or has lost its quorum; membership changes wait until it is back");
        } catch (ExecutionException e) {
            throw new Unavailable("etcd (" + String.join(",", settings.etcd()) + ") refused to " + what + ": " + message(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while waiting for etcd to " + what);
        }
    }

    private static String message(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && (cause instanceof ExecutionException || cause.getMessage() == null)) cause = cause.getCause();
        return String.valueOf(cause.getMessage());
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}

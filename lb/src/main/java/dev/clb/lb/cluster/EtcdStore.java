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
import java.util.function.Consumer;
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
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(daemon("etcd-lease"));
    private final Thread campaigner;
    /** The lease this instance campaigns and leads on, and when it was last renewed (System.nanoTime). */
    private volatile Optional<Lease> lease = Optional.empty();
    private volatile Optional<CompletableFuture<CampaignResponse>> campaigning = Optional.empty();
    /** The leader key while this instance leads: what each write compares. */
    private volatile Optional<LeaderKey> term = Optional.empty();
    private volatile Optional<Instance> leader = Optional.empty();
    private volatile Optional<Leadership> leadership = Optional.empty();
    private volatile Optional<Watch.Watcher> watcher = Optional.empty();
    private volatile boolean closed;

    private record Lease(long id, long renewedAt) {
    }

    public EtcdStore(Cluster settings) {
        this.settings = settings;
        this.client = Client.builder().endpoints(settings.etcd().toArray(String[]::new)).connectTimeout(REQUEST_TIMEOUT).build();
        this.prefix = "/clb/" + settings.name() + "/";
        this.stateKey = bytes(prefix + "state");
        this.electionName = bytes(prefix + "election");
        this.campaigner = daemon("etcd-campaign").newThread(this::campaignForever);
        ticker.scheduleWithFixedDelay(this::tick, 0, Math.max(100, settings.lease().toMillis() / 3), TimeUnit.MILLISECONDS);
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
            log.warn("watching the cluster's state: {}; watching again", error.getMessage());
            ticker.schedule(() -> rewatch(changed), 500, TimeUnit.MILLISECONDS);
        });
        watcher = Optional.of(client.getWatchClient().watch(stateKey, WatchOption.builder().withRevision(revision + 1).build(), listener));
    }

    private void rewatch(Consumer<Stored> changed) {
        if (closed) return;
        watcher.ifPresent(Watch.Watcher::close);
        try {
            Optional<Stored> now = current();
            now.ifPresent(changed);
            watch(now.map(Stored::revision).orElse(0L), changed);
        } catch (Unavailable e) {
            ticker.schedule(() -> rewatch(changed), 500, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void campaign(Leadership leadership) {
        this.leadership = Optional.of(leadership);
        campaigner.start();
    }

    /** Campaigns, leads until deposed, and campaigns again, until closed. */
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
                log.info("instance {} elected (lease {}s, leader key revision {})", self(), settings.lease().toSeconds(), key.getRevision());
                leadership.get().elected();
                while (!closed && term.isPresent()) Thread.sleep(50);
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
     * Renews the lease, while campaigning and while leading: when that failed for a whole lease, the store has let it
     * go, so a campaign is abandoned (and begun again on a new lease) and a lead deposed. Reads who leads.
     */
    private void tick() {
        Optional<Lease> held = lease;
        if (held.isPresent()) {
            long now = System.nanoTime();
            try {
                long ttl = await(client.getLeaseClient().keepAliveOnce(held.get().id()), "renew the lease").getTTL();
                if (ttl <= 0) {
                    lost("the lease expired");
                } else {
                    lease = Optional.of(new Lease(held.get().id(), now));
                }
            } catch (Unavailable e) {
                if (now - held.get().renewedAt() > settings.lease().toNanos()) {
                    lost("the lease was not renewed for " + settings.lease().toSeconds() + " s: " + e.getMessage());
                }
            } catch (RuntimeException e) {
                lost("the lease is gone: " + message(e));
            }
        }
        try {
            var answer = await(client.getElectionClient().leader(electionName), "read the leader");
            leader = Optional.of(JSON.readValue(answer.getKv().getValue().toString(StandardCharsets.UTF_8), Instance.class));
        } catch (Unavailable | JsonProcessingException | RuntimeException e) {
            if (message(e).contains("no leader")) leader = Optional.empty();
        }
    }

    private void lost(String why) {
        Optional<LeaderKey> held = term;
        term = Optional.empty();
        campaigning.ifPresent(campaign -> campaign.cancel(true));
        if (held.isEmpty()) return;
        log.warn("instance {} deposed: {}", self(), why);
        leadership.ifPresent(Leadership::deposed);
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
            return answer.isSucceeded() ? new Written.Done(answer.getHeader().getRevision()) : new Written.NotLeader();
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
        ticker.shutdownNow();
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
        try {
            return request.get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            request.cancel(true);
            throw new Unavailable("etcd (" + String.join(",", settings.etcd()) + ") did not answer within " + REQUEST_TIMEOUT.toMillis()
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

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}

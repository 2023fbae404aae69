package dev.clb.lb.membership;

import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingFullException;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import dev.clb.lb.membership.MembershipException.NoRoom;
import dev.clb.lb.membership.MembershipException.StartFailed;
import dev.clb.lb.membership.MembershipException.Unavailable;
import dev.clb.lb.membership.SharedStore.Stored;
import dev.clb.lb.membership.SharedStore.Written;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance of a cluster of load balancers that share their membership through a {@link SharedStore} (etcd).
 *
 * <p>Every instance routes by the ring the store holds: it installs the state of each revision whole, node for node
 * with the ring ids, weights and slots the leader gave them, so all instances serve the identical table. One instance
 * leads: for as long as it does, a {@link ManagedMembership} on the runtime (a new one each term) starts, replaces and
 * removes replicas, and after each change of its ring the state is written back in a transaction fenced by its
 * leader key. A new leader adopts what runs in the engine: the replicas in the store's ring stay as they are, other
 * placed or spare containers join as the store and the engine allow, and those of the ring that are gone are replaced.
 *
 * <p>Instances that do not lead pass {@code /add} and {@code /rm} on to the leader. When the store is unreachable or
 * has lost its quorum, every instance keeps routing by the ring it has; the heartbeat monitor still takes failing
 * replicas out of routing on each instance by itself (their health is down), but membership changes wait:
 * {@code /add} and {@code /rm} are refused as {@link Unavailable}, and a replacement is tried again once the store is back.
 */
public final class ClusterMembership implements Membership {
    private static final Logger log = LoggerFactory.getLogger(ClusterMembership.class);
    private static final Duration RETRY = Duration.ofMillis(500);
    private static final int FIRST_READ_ATTEMPTS = 5;

    private final ConsistentHashMap<Replica> map;
    private final ReplicaFactory made;
    private final SharedStore store;
    private final LeaderLink link;
    private final Supplier<ManagedMembership> leaderRole;
    private final String runtimeName;
    private final Duration firstRingWait;
    /** The choosers' clock: a replica that joins the ring after the first install starts its slow start on it, as on the leader. */
    private final Ticker clock;
    /** Writes of the state, one at a time, each of the ring as it is then (so a later write never carries an older ring). */
    private final ReentrantLock writing = new ReentrantLock();
    /** Taking and giving up the lead, in the order the store tells them. */
    private final ExecutorService leadership = Executors.newSingleThreadExecutor(new DefaultThreadFactory("cluster-lead", true));
    /** Writes, retries and the next term's membership: never the caller's thread (an event loop may report a failure). */
    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("cluster", true));
    /** The membership of the next term, made ahead; see {@link #nextRole}. */
    private Optional<CompletableFuture<ManagedMembership>> prepared = Optional.empty();
    /** The membership this instance runs while it leads, with the term it leads in. */
    private volatile Optional<Led> leading = Optional.empty();
    private volatile Optional<Consumer<Replica>> exitListener = Optional.empty();
    private volatile SharedState last = new SharedState("", "", List.of(), List.of());
    private volatile long revision;
    /** A change of the leader's ring that the store did not take yet. */
    private volatile boolean unwritten;
    private volatile int wanted;
    private volatile boolean closed;

    /** A lead: its term and the membership that runs the replicas meanwhile. */
    private record Led(long term, ManagedMembership role) {
    }

    /**
     * {@code leaderRole} makes the membership of one term as leader, over {@code map}, on a runtime of its own that
     * leaves the replicas running when it is closed; {@code firstRingWait} bounds how long {@link #start} waits for a
     * ring when the store holds none yet and another instance leads.
     */
    public ClusterMembership(ConsistentHashMap<Replica> map, ReplicaFactory made, SharedStore store, LeaderLink link,
                             Supplier<ManagedMembership> leaderRole, String runtimeName, Duration firstRingWait, Ticker clock) {
        this.map = map;
        this.made = made;
        this.store = store;
        this.link = link;
        this.leaderRole = leaderRole;
        this.runtimeName = runtimeName;
        this.firstRingWait = firstRingWait;
        this.clock = clock;
    }

    /**
     * Installs the ring the store holds, watches it, and campaigns for the lead; the instance elected on an empty store
     * starts {@code replicas}. Returns once there is a ring to route by (or after the first-ring wait, with none).
     */
    @Override
    public void start(int replicas) throws NoRoom, StartFailed {
        wanted = replicas;
        Optional<Stored> stored = firstRead();
        stored.ifPresent(this::stored);
        store.watch(stored.map(Stored::revision).orElse(0L), this::stored);
        prepareNextRole();
        store.campaign(new SharedStore.Leadership() {
            @Override
            public void elected(long term) {
                leadership.execute(() -> lead(term));
            }

            @Override
            public void deposed(long term) {
                leadership.execute(() -> stepDown(term, "its lease was lost"));
            }
        });
        background.scheduleWithFixedDelay(this::writeIfBehind, RETRY.toMillis(), RETRY.toMillis(), TimeUnit.MILLISECONDS);
        long end = System.nanoTime() + firstRingWait.toNanos();
        while (map.ring().size() == 0 && System.nanoTime() < end && !closed) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (map.ring().size() == 0) log.warn("no ring after {} ms: the leader has started no replicas yet", firstRingWait.toMillis());
    }

    /** The state stored, read at start: the first request also connects (a second or more on a busy machine), so a few tries. */
    private Optional<Stored> firstRead() throws StartFailed {
        for (int attempt = 1; ; attempt++) {
            try {
                return store.current();
            } catch (Unavailable e) {
                if (attempt == FIRST_READ_ATTEMPTS) throw new StartFailed("cannot read the cluster's state: " + e.getMessage());
                pause(RETRY);
            }
        }
    }

    /**
     * Elected in {@code term}: installs what the store holds now (the watch may lag), then takes charge of the replicas
     * with a membership of its own, and writes the state it ends with. Gives up if the term ended meanwhile.
     */
    private void lead(long term) {
        ManagedMembership role;
        try {
            role = nextRole().join();
        } catch (RuntimeException e) {
            log.error("cannot lead term {}: the runtime does not answer ({}); resigning", term, e.getMessage());
            store.resign(term);
            return;
        }
        try {
            store.current().ifPresent(this::stored);
        } catch (Unavailable e) {
            log.warn("cannot read the cluster's state to lead term {} ({}); resigning", term, e.getMessage());
            role.close();
            store.resign(term);
            return;
        }
        if (!store.leads(term) || closed) {
            role.close();
            prepareNextRole();
            return;
        }
        exitListener.ifPresent(role::onExit);
        leading = Optional.of(new Led(term, role));
        log.info("instance {} leads the cluster (term {}): adopting the {} replicas of revision {}", store.self(), term, map.ring().size(), revision);
        try {
            role.start(wanted);
        } catch (MembershipException e) {
            log.error("leading with the {} replicas there are: {}; starting the others again in {} ms", map.ring().size(), e.getMessage(),
                    RETRY.toMillis() * 4);
            background.schedule(() -> startMissing(role), RETRY.toMillis() * 4, TimeUnit.MILLISECONDS);
        }
        write();
    }

    /** Tries again, while {@code role} leads, to start the replicas its start could not, until there are as many as wanted. */
    private void startMissing(ManagedMembership role) {
        int missing = wanted - map.ring().size();
        if (missing <= 0 || closed || leading.map(Led::role).orElse(null) != role) return;
        try {
            role.add(missing, List.of());
        } catch (MembershipException e) {
            log.error("could not start the {} missing replicas: {}; again in {} ms", missing, e.getMessage(), RETRY.toMillis() * 4);
            background.schedule(() -> startMissing(role), RETRY.toMillis() * 4, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The membership of the next term as leader, made ahead (connecting to the engine takes seconds on a busy
     * machine, which would add to the time without a leader); made again after each term.
     */
    private synchronized CompletableFuture<ManagedMembership> nextRole() {
        CompletableFuture<ManagedMembership> next = prepared.orElseGet(() -> CompletableFuture.supplyAsync(leaderRole, background));
        prepared = Optional.empty();
        return next;
    }

    private synchronized void prepareNextRole() {
        if (prepared.isEmpty() && !closed) prepared = Optional.of(CompletableFuture.supplyAsync(leaderRole, background));
    }

    /** The lead of {@code term} is over: its membership stops (the replicas stay), and the store's ring is installed again. */
    private void stepDown(long term, String why) {
        Optional<Led> was = leading;
        if (was.isEmpty() || was.get().term() != term) return;
        leading = Optional.empty();
        log.warn("instance {} no longer leads the cluster ({}): routing on by the store's ring", store.self(), why);
        was.get().role().close(); // its runtime leaves the replicas running
        prepareNextRole();
        try {
            store.current().ifPresent(this::stored);
        } catch (Unavailable e) {
            log.warn("keeping the ring of revision {}: {}", revision, e.getMessage());
        }
    }

    /**
     * A state the store holds: installed, unless this instance leads (then it is its own write). A replica new to this
     * instance after its first install is slow-started, as the leader slow-starts it; a state of another strategy
     * than this instance's is refused (the instances of a cluster must run one strategy).
     */
    private synchronized void stored(Stored stored) {
        if (stored.revision() <= revision) return;
        if (leading.isPresent()) {
            last = stored.state();
            revision = stored.revision();
            return;
        }
        Ring<Replica> current = map.ring();
        if (!stored.state().strategy().equals(SharedState.strategy(current))) {
            log.error("the ring of revision {} is of another strategy ({}) than this instance's ({}): not installed; run every instance "
                    + "of the cluster with the same strategy", stored.revision(), stored.state().strategy(), SharedState.strategy(current));
            return;
        }
        boolean first = revision == 0;
        List<Node<Replica>> nodes = stored.state().nodes(seated -> {
            Node<Replica> known = current.node(seated.hostname());
            if (known != null && known.value().address().equals(seated.backend())) return known.value();
            Replica joining = made.of(seated.backend());
            if (!first) joining.slowStart().joined(clock);
            return joining;
        });
        try {
            map.replaceAll(nodes, stored.state()::placement);
            last = stored.state();
            revision = stored.revision();
            log.info("installed the ring of revision {} (leader {}): {}", revision, stored.state().leader(), hostnames());
        } catch (RingFullException e) {
            log.error("the ring of revision {} does not fit this instance's map ({}): keeping revision {}", stored.revision(), e.getMessage(), revision);
        }
    }

    /** Told of every new ring of the map (under its lock): the leader's changes are written to the store, off that lock. */
    public void ringChanged(Ring<Replica> ring) {
        if (leading.isPresent()) {
            unwritten = true;
            background.execute(this::write);
        }
    }

    private void writeIfBehind() {
        Optional<Led> led = leading;
        if (led.isPresent() && (unwritten || !led.get().role().standbyHostnames().equals(last.standbys()))) write();
    }

    /** Writes the ring as it is now (a refusal by the fence ends the lead: the store says so). */
    private void write() {
        writing.lock();
        try {
            Optional<Led> led = leading;
            if (led.isEmpty() || closed) return;
            unwritten = false;
            SharedState state = SharedState.of(store.self(), map.ring(), led.get().role().standbyHostnames());
            if (state.equals(last)) return;
            Written written = store.write(state);
            if (written instanceof Written.Done done) {
                revision = Math.max(revision, done.revision());
                last = state;
            } else if (written instanceof Written.Unreachable unreachable) {
                log.warn("the cluster's store did not take the ring: {}; written when it is back", unreachable.reason());
                unwritten = true;
            }
        } finally {
            writing.unlock();
        }
    }

    /** On the leader: the change is made, then written before the answer, so that whoever asked reads it from the store. */
    @Override
    public List<String> add(int n, List<String> hostnames) throws MembershipException {
        Optional<Led> led = leading;
        if (led.isPresent()) {
            store.checkWritable();
            List<String> after = led.get().role().add(n, hostnames);
            write();
            return after;
        }
        return readingOwnWrite(link.add(leaderElsewhere(), n, hostnames));
    }

    @Override
    public List<String> remove(int n, List<String> hostnames) throws MembershipException {
        Optional<Led> led = leading;
        if (led.isPresent()) {
            store.checkWritable();
            List<String> after = led.get().role().remove(n, hostnames);
            write();
            return after;
        }
        return readingOwnWrite(link.remove(leaderElsewhere(), n, hostnames));
    }

    /**
     * After the leader made a change passed on to it (and stored it before it answered): the state installed now, so
     * that this instance too routes by it once the client has the answer, without waiting for the watch.
     */
    private List<String> readingOwnWrite(List<String> answered) {
        try {
            store.current().ifPresent(this::stored);
        } catch (Unavailable e) {
            log.warn("the change is made; this instance installs it when the store answers again: {}", e.getMessage());
        }
        return answered;
    }

    private SharedStore.Instance leaderElsewhere() throws Unavailable {
        SharedStore.Instance leader = store.leader()
                .orElseThrow(() -> new Unavailable("No instance of the cluster leads now: membership changes wait for one to be elected"));
        if (leader.id().equals(store.self())) throw new Unavailable("This instance is taking the lead of the cluster: try again in a moment");
        return leader;
    }

    /**
     * The heartbeat monitor (or the outlier detection, on an event loop) declared {@code replica} failed: its health is
     * down, so this instance routes its keys on by itself at once; the leader replaces it once the store can take the
     * change, off the caller's thread.
     */
    @Override
    public void failed(Replica replica, String reason) {
        if (leading.isEmpty() || closed) return;
        background.execute(() -> replaceWhenWritable(replica, reason));
    }

    private void replaceWhenWritable(Replica replica, String reason) {
        Optional<Led> led = leading;
        if (led.isEmpty() || closed || map.ring().node(replica.hostname()) == null) return;
        try {
            store.checkWritable();
            led.get().role().failed(replica, reason);
        } catch (Unavailable e) {
            log.warn("replica {} failed ({}); its replacement waits: {}", replica.hostname(), reason, e.getMessage());
            background.schedule(() -> {
                if (replica.health().isDown()) replaceWhenWritable(replica, reason);
            }, RETRY.toMillis() * 2, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void recovered(Replica replica) {
        leading.ifPresent(led -> led.role().recovered(replica));
    }

    @Override
    public Ring<Replica> ring() {
        return map.ring();
    }

    @Override
    public List<String> standbyHostnames() {
        Optional<Led> led = leading;
        return led.isPresent() ? led.get().role().standbyHostnames() : last.standbys();
    }

    /** The leader's standbys; an instance that does not lead watches only the map. */
    @Override
    public Collection<Replica> alsoMonitored() {
        Optional<Led> led = leading;
        return led.isPresent() ? led.get().role().alsoMonitored() : List.of();
    }

    @Override
    public String runtimeName() {
        return runtimeName;
    }

    @Override
    public void onExit(Consumer<Replica> exited) {
        exitListener = Optional.of(exited);
        leading.ifPresent(led -> led.role().onExit(exited));
    }

    @Override
    public OptionalLong revision() {
        long r = revision;
        return r == 0 ? OptionalLong.empty() : OptionalLong.of(r);
    }

    @Override
    public Optional<String> leader() {
        return store.leader().map(SharedStore.Instance::id);
    }

    /** Whether this instance leads now. */
    public boolean leads() {
        return leading.isPresent();
    }

    private static void pause(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops its membership (the replicas stay, for the cluster) and resigns, so that another instance leads at once. */
    @Override
    public void close() {
        closed = true;
        leadership.shutdownNow();
        background.shutdownNow();
        synchronized (this) {
            prepared.ifPresent(next -> next.thenAccept(ManagedMembership::close));
        }
        leading.ifPresent(led -> led.role().close());
        leading = Optional.empty();
        store.close();
    }
}

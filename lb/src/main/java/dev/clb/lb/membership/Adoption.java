package dev.clb.lb.membership;

import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.RingFullException;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import dev.clb.lb.runtime.ReplicaRuntime;
import dev.clb.lb.runtime.ReplicaRuntime.Found;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes over the replicas a predecessor left running in the engine: those that held a place go back in the map on
 * it (their ring ids and slots), in the order they had joined; those without one are standbys again, as many as are
 * wanted. What does not answer a heartbeat within the spawn timeout, or no longer fits, is reaped (stopped). A replica
 * the map holds already (a cluster's new leader starts from the ring of the store) stays where it is.
 */
final class Adoption {
    private static final Logger log = LoggerFactory.getLogger(Adoption.class);

    /** What became of the replicas found: hostnames put in the map (in order), standbys taken back, hostnames reaped. */
    record Adopted(List<String> placed, List<Replica> standbys, List<String> reaped) {
    }

    private final ConsistentHashMap<Replica> map;
    private final ReplicaRuntime runtime;
    private final Spawner spawner;
    private final ReplicaFactory replicas;

    Adoption(ConsistentHashMap<Replica> map, ReplicaRuntime runtime, Spawner spawner, ReplicaFactory replicas) {
        this.map = map;
        this.replicas = replicas;
        this.runtime = runtime;
        this.spawner = spawner;
    }

    Adopted adopt(List<Found> found, int standbysWanted) {
        Map<Found, CompletableFuture<Boolean>> answers = new LinkedHashMap<>();
        found.forEach(f -> answers.put(f, spawner.answers(f.backend())));
        List<String> placed = new ArrayList<>();
        List<Replica> standbys = new ArrayList<>();
        List<String> reaped = new ArrayList<>();
        List<Found> inOrder = found.stream().filter(f -> f.place().isPresent()).sorted(Comparator.comparing(f -> f.place().get())).toList();
        for (Found f : inOrder) {
            String name = f.backend().hostname();
            int ringId = f.place().get().ringId();
            if (map.ring().node(name) != null) {
                placed.add(name); // in the ring a cluster's store gave: stays as it is; the heartbeats judge it
                continue;
            }
            if (!answers.get(f).join()) {
                log.warn("reaped replica {} (ring id {}): it does not answer heartbeats", name, ringId);
                reaped.add(name);
                continue;
            }
            try {
                map.add(name, replicas.of(f.backend()), ringId, f.place().get().placement());
                placed.add(name);
            } catch (RingFullException | IllegalArgumentException e) {
                log.warn("reaped replica {}: its ring id {} does not fit the map ({})", name, ringId, e.getMessage());
                reaped.add(name);
            }
        }
        for (Found f : found) {
            if (f.place().isPresent()) continue;
            if (answers.get(f).join() && standbys.size() < standbysWanted) {
                standbys.add(replicas.of(f.backend()));
            } else {
                reaped.add(f.backend().hostname());
            }
        }
        reaped.forEach(name -> runtime.stop(name, true));
        return new Adopted(placed, standbys, reaped);
    }
}

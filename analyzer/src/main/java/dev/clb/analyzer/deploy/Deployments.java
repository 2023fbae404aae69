package dev.clb.analyzer.deploy;

import dev.clb.analyzer.Settings;
import dev.clb.hashmap.HashScheme;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import okhttp3.OkHttpClient;

/** Opens a deployment for a hash and a number of replicas: a fresh local load balancer, or the running one given for that hash. */
public final class Deployments {
    private static final Duration READY_WITHIN = Duration.ofSeconds(90);

    private final Settings settings;
    private final OkHttpClient http;
    private final PrintStream out;

    public Deployments(Settings settings, OkHttpClient http, PrintStream out) {
        this.settings = settings;
        this.http = http;
        this.out = out;
    }

    /** A deployment running {@code hash} with {@code replicas} replicas, or empty in remote mode when no load balancer runs that hash. */
    public Optional<Deployment> open(HashScheme hash, int replicas) throws IOException, InterruptedException {
        if (settings.remote()) {
            Optional<URI> url = settings.loadBalancerFor(hash);
            if (url.isEmpty()) return Optional.empty();
            AdminClient admin = admin(url.get());
            int before = admin.replicas().size();
            admin.scaleTo(replicas);
            Deployment remote = new RemoteDeployment(url.get(), hash, admin, before);
            out.println("  using the " + remote.describe() + (before == replicas ? ", " + replicas + " replicas"
                    : ", scaled from " + before + " to " + replicas + " replicas (put back at the end)"));
            return Optional.of(remote);
        }
        long t0 = System.nanoTime();
        LoadBalancerProcess process = LoadBalancerProcess.start(settings.lbJar(), settings.replicaJar(), hash, replicas, http, READY_WITHIN);
        Deployment local = new LocalDeployment(process, hash);
        out.printf("  started the %s with %d replicas in %.1f s%n", local.describe(), replicas, (System.nanoTime() - t0) / 1e9);
        return Optional.of(local);
    }

    public AdminClient admin(URI url) {
        return new AdminClient(http, url);
    }

    /** What to tell the user when a remote-mode run has no load balancer for {@code hash}. */
    public static String missing(HashScheme hash) {
        return "no load balancer running hash '" + hash.name() + "': start one with LB_HASH=" + hash.name() + " (or --hash "
                + hash.name() + ") and pass --lb-for " + hash.name() + "=URL, or run without --lb to let the analyzer start its own";
    }
}

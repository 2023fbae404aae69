package dev.clb.analyzer.deploy;

import dev.clb.analyzer.settings.Settings;
import dev.clb.analyzer.settings.Setup;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import okhttp3.OkHttpClient;

/**
 * Opens a deployment for a setup and a number of replicas: a fresh local load balancer, or the running one given for
 * that setup; either way its {@code /ring} must say that it runs that setup.
 */
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

    /** A deployment running {@code setup} with {@code replicas} replicas, or empty in remote mode when no load balancer runs it. */
    public Optional<Deployment> open(Setup setup, int replicas) throws IOException, InterruptedException {
        if (settings.remote()) {
            Optional<Settings.Remote> remote = settings.loadBalancerFor(setup);
            if (remote.isEmpty()) return Optional.empty();
            AdminClient admin = admin(remote.get().url());
            int before = admin.replicas().size();
            Deployment deployment = new RemoteDeployment(remote.get(), setup, admin, before);
            requireRuns(deployment);
            admin.scaleTo(replicas);
            out.println("  using the " + deployment.describe() + (before == replicas ? ", " + replicas + " replicas"
                    : ", scaled from " + before + " to " + replicas + " replicas (put back at the end)"));
            return Optional.of(deployment);
        }
        return Optional.of(openLocal(setup, List.of(), replicas));
    }

    /**
     * A fresh local load balancer running {@code setup} with {@code extraArguments} (say {@code --slow-start 10000}) and
     * {@code replicas} replicas, whatever the mode: a running one cannot be given options.
     */
    public Deployment openLocal(Setup setup, List<String> extraArguments, int replicas) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        LoadBalancerProcess process = LoadBalancerProcess.start(settings.lbJar(), settings.replicaJar(), setup, extraArguments, replicas, http, READY_WITHIN);
        Deployment local = new LocalDeployment(process, setup);
        try {
            requireRuns(local);
        } catch (IOException | RuntimeException e) {
            local.close();
            throw e;
        }
        out.printf("  started the %s%s with %d replicas in %.1f s%n", local.describe(), extraArguments.isEmpty() ? "" : " " + String.join(" ", extraArguments),
                replicas, (System.nanoTime() - t0) / 1e9);
        return local;
    }

    public AdminClient admin(URI url) {
        return new AdminClient(http, url);
    }

    public ManagementClient management(Deployment deployment) {
        return new ManagementClient(http, deployment.management());
    }

    /** Fails unless the deployment's /ring shows the strategy, hash and bounded load of its setup. */
    private void requireRuns(Deployment deployment) throws IOException {
        RingView ring = management(deployment).ring();
        Setup setup = deployment.setup();
        boolean hashAgrees = setup.hash().map(h -> h.equals(ring.hash())).orElse(true);
        boolean boundAgrees = setup.isBounded() ? ring.boundedLoad() != null && Math.abs(ring.boundedLoad() - setup.boundedLoad()) < 1e-9
                : ring.boundedLoad() == null;
        if (!setup.strategy().equals(ring.strategy()) || !hashAgrees || !boundAgrees) {
            throw new IOException("the load balancer at " + deployment.url() + " runs " + ring.describe() + ", not " + setup.label()
                    + " (its /ring at " + deployment.management() + ")");
        }
    }

    /** What to tell the user when a remote-mode run has no load balancer for {@code setup}. */
    public static String missing(Setup setup) {
        return "no load balancer running " + setup.label() + ": start one with " + setup.environment() + " and pass --lb-for "
                + setup.name() + "=URL --mgmt-for " + setup.name() + "=URL, or run without --lb to let the analyzer start its own";
    }
}

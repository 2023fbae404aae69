package dev.clb.analyzer.cli;

import dev.clb.analyzer.settings.Settings;
import dev.clb.analyzer.settings.Setup;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options every subcommand takes; each has an environment-variable twin. */
public final class AnalyzerOptions {
    private static final String SETUPS = "assignment, murmur, fnv (strategy slots with that --hash), ring, maglev, and each of "
            + "assignment, ring, maglev with -bounded (bounded loads " + Setup.BOUNDED + ")";

    @Option(names = "--lb", paramLabel = "URL", defaultValue = "${env:ANALYZER_LB}",
            description = "A running load balancer to drive, e.g. http://127.0.0.1:5000 (docker compose up); needs --mgmt. Without it (and "
                    + "without --lb-for) the analyzer starts its own with the local runtime, one per setup (env ANALYZER_LB).")
    URI lb;

    @Option(names = "--mgmt", paramLabel = "URL", defaultValue = "${env:ANALYZER_MGMT}",
            description = "The management port of the --lb load balancer, where it answers GET /ring, e.g. http://127.0.0.1:9901 (env ANALYZER_MGMT).")
    URI mgmt;

    @Option(names = "--owner", paramLabel = "LABEL", defaultValue = "${env:ANALYZER_OWNER:-lb}",
            description = "The dev.clb.owner label of the --lb load balancer's replica containers (its LB_OWNER; compose sets LB_NAME), "
                    + "used to kill a replica with docker kill (env ANALYZER_OWNER, default ${DEFAULT-VALUE}).")
    String owner;

    @Option(names = "--lb-setup", paramLabel = "NAME", defaultValue = "${env:ANALYZER_LB_SETUP:-assignment}",
            description = "What the --lb load balancer runs, checked against its /ring: " + SETUPS + " (env ANALYZER_LB_SETUP, default ${DEFAULT-VALUE}).")
    String lbSetup;

    @Option(names = "--lb-for", paramLabel = "SETUP=URL", split = ",", defaultValue = "${env:ANALYZER_LB_FOR}",
            description = "More running load balancers for A-4..A-6, one per setup, e.g. --lb-for maglev=http://127.0.0.1:5001; each needs "
                    + "--mgmt-for. With --lb, the experiments measure only the setups they have a load balancer for (env ANALYZER_LB_FOR, comma-separated).")
    Map<String, URI> lbFor = new LinkedHashMap<>();

    @Option(names = "--mgmt-for", paramLabel = "SETUP=URL", split = ",", defaultValue = "${env:ANALYZER_MGMT_FOR}",
            description = "The management port of each --lb-for load balancer, e.g. --mgmt-for maglev=http://127.0.0.1:9902 (env ANALYZER_MGMT_FOR, comma-separated).")
    Map<String, URI> mgmtFor = new LinkedHashMap<>();

    @Option(names = "--owner-for", paramLabel = "SETUP=LABEL", split = ",", defaultValue = "${env:ANALYZER_OWNER_FOR}",
            description = "The dev.clb.owner label of each --lb-for load balancer's replicas; default lb-SETUP, as 'STACK=SETUP make up' "
                    + "names it (env ANALYZER_OWNER_FOR, comma-separated).")
    Map<String, String> ownerFor = new LinkedHashMap<>();

    @Option(names = "--setups", paramLabel = "SETUP", split = ",", defaultValue = "${env:ANALYZER_SETUPS}",
            description = "Measure only these setups and merge their results into those already in --out (e.g. to redo one whose load "
                    + "balancer failed); experiments that need none of them are skipped (env ANALYZER_SETUPS, comma-separated; default all).")
    List<String> setups = new ArrayList<>();

    @Option(names = "--requests", paramLabel = "N", defaultValue = "${env:ANALYZER_REQUESTS:-10000}",
            description = "Requests per measured run (env ANALYZER_REQUESTS, default ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "${env:ANALYZER_CONCURRENCY:-64}",
            description = "Requests in flight at once (env ANALYZER_CONCURRENCY, default ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "${env:ANALYZER_WARMUP:-2000}",
            description = "Uncounted warm-up requests before each measured run, so JIT warm-up does not dominate; the batch is repeated "
                    + "(up to 10 times) until two in a row are no more than 5%% faster than the best before, so a freshly started "
                    + "load balancer gets more; 0 for none "
                    + "(env ANALYZER_WARMUP, default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "${env:ANALYZER_OUT:-charts}",
            description = "Directory for charts, raw results and REPORT.md (env ANALYZER_OUT, default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "${env:ANALYZER_SEED:-42}",
            description = "Seed of the random 6-digit request ids, sent as X-Request-ID, and of A-6's key popularity: the same seed sends "
                    + "the same ids (env ANALYZER_SEED, default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--lb-jar", paramLabel = "JAR", defaultValue = "${env:ANALYZER_LB_JAR:-lb/target/lb.jar}",
            description = "Load balancer jar to start locally (env ANALYZER_LB_JAR, default ${DEFAULT-VALUE}).")
    Path lbJar;

    @Option(names = "--replica-jar", paramLabel = "JAR", defaultValue = "${env:ANALYZER_REPLICA_JAR:-replica/target/replica.jar}",
            description = "Replica jar the local load balancer runs (env ANALYZER_REPLICA_JAR, default ${DEFAULT-VALUE}).")
    Path replicaJar;

    Settings toSettings() {
        Map<String, Settings.Remote> loadBalancers = new LinkedHashMap<>();
        Map<String, URI> mgmts = lowerKeys(mgmtFor);
        Map<String, String> owners = lowerKeys(ownerFor);
        lowerKeys(lbFor).forEach((setup, url) -> {
            URI management = mgmts.get(setup);
            if (management == null) throw new IllegalArgumentException("--lb-for " + setup + "=" + url + " needs --mgmt-for " + setup + "=URL (its management port)");
            loadBalancers.put(setup, new Settings.Remote(url, management, owners.getOrDefault(setup, "lb-" + setup)));
        });
        mgmts.keySet().stream().filter(setup -> !loadBalancers.containsKey(setup)).findFirst().ifPresent(setup -> {
            throw new IllegalArgumentException("--mgmt-for " + setup + " without --lb-for " + setup);
        });
        String primary = lbSetup.toLowerCase(Locale.ROOT);
        if (lb != null) {
            if (mgmt == null) throw new IllegalArgumentException("--lb " + lb + " needs --mgmt URL, its management port (GET /ring), e.g. http://127.0.0.1:9901");
            loadBalancers.put(primary, new Settings.Remote(lb, mgmt, owner));
        } else if (mgmt != null) {
            throw new IllegalArgumentException("--mgmt without --lb");
        }
        Set<String> only = new LinkedHashSet<>();
        setups.forEach(name -> only.add(name.trim().toLowerCase(Locale.ROOT)));
        return new Settings(loadBalancers, primary, requests, concurrency, warmup, out, seed, lbJar, replicaJar, only);
    }

    private static <V> Map<String, V> lowerKeys(Map<String, V> map) {
        Map<String, V> lower = new LinkedHashMap<>();
        map.forEach((key, value) -> lower.put(key.toLowerCase(Locale.ROOT), value));
        return lower;
    }
}

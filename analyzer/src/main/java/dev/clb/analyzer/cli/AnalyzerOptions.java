package dev.clb.analyzer.cli;

import dev.clb.analyzer.Settings;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options every subcommand takes; each has an environment-variable twin. */
public final class AnalyzerOptions {

    @Option(names = "--lb", paramLabel = "URL", defaultValue = "${env:ANALYZER_LB}",
            description = "A running load balancer to drive, e.g. http://127.0.0.1:5000 (docker compose up). Without it (and without "
                    + "--lb-for) the analyzer starts its own with the local runtime, a fresh one per configuration (env ANALYZER_LB).")
    URI lb;

    @Option(names = "--lb-hash", paramLabel = "NAME", defaultValue = "${env:ANALYZER_LB_HASH:-assignment}",
            description = "Hash functions the --lb load balancer runs (its LB_HASH): assignment, murmur, fnv (env ANALYZER_LB_HASH, default ${DEFAULT-VALUE}).")
    String lbHash;

    @Option(names = "--lb-for", paramLabel = "HASH=URL", split = ",", defaultValue = "${env:ANALYZER_LB_FOR}",
            description = "More running load balancers for A-4, one per hash, e.g. --lb-for murmur=http://127.0.0.1:5001. "
                    + "With --lb, A-4 measures only the hashes it has a load balancer for (env ANALYZER_LB_FOR, comma-separated).")
    Map<String, URI> lbFor = new LinkedHashMap<>();

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
            description = "Seed of the random 6-digit request ids, sent as X-Request-ID: the same seed sends the same ids (env ANALYZER_SEED, default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--lb-jar", paramLabel = "JAR", defaultValue = "${env:ANALYZER_LB_JAR:-lb/target/lb.jar}",
            description = "Load balancer jar to start locally (env ANALYZER_LB_JAR, default ${DEFAULT-VALUE}).")
    Path lbJar;

    @Option(names = "--replica-jar", paramLabel = "JAR", defaultValue = "${env:ANALYZER_REPLICA_JAR:-replica/target/replica.jar}",
            description = "Replica jar the local load balancer runs (env ANALYZER_REPLICA_JAR, default ${DEFAULT-VALUE}).")
    Path replicaJar;

    Settings toSettings() {
        Map<String, URI> loadBalancers = new LinkedHashMap<>();
        lbFor.forEach((hash, url) -> loadBalancers.put(hash.toLowerCase(Locale.ROOT), url));
        if (lb != null) loadBalancers.put(lbHash.toLowerCase(Locale.ROOT), lb);
        return new Settings(loadBalancers, lbHash.toLowerCase(Locale.ROOT), requests, concurrency, warmup, out, seed, lbJar, replicaJar);
    }
}

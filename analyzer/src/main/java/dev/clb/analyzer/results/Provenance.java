package dev.clb.analyzer.results;

import dev.clb.analyzer.settings.Settings;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/** How a result was measured, stored with it so that REPORT.md can say so. */
public record Provenance(String finishedAt, boolean remote, String mode, long seed, int requests, int concurrency, int warmup) {
    public static Provenance of(Settings settings) {
        String mode = settings.remote() ? "running load balancers " + settings.loadBalancers() : "local load balancers started by the analyzer";
        return new Provenance(OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).toString(), settings.remote(), mode,
                settings.seed(), settings.requests(), settings.concurrency(), settings.warmup());
    }
}

package dev.clb.analyzer.output;

import dev.clb.analyzer.results.RunResult;
import java.util.ArrayList;
import java.util.List;

/** Runs as CSV rows, one per replica and run. */
public final class RunTable {
    public static final List<String> HEADER = List.of("run", "setup", "hash", "n", "replica", "ring_id", "requests", "expected", "predicted",
            "z", "run_requests", "run_failed", "run_seconds", "run_req_per_s");

    private RunTable() {
    }

    public static List<List<Object>> rows(List<RunResult> runs) {
        List<List<Object>> rows = new ArrayList<>();
        for (RunResult run : runs) {
            run.counts().forEach((replica, count) -> {
                int index = run.replicas().indexOf(replica);
                boolean listed = index >= 0;
                List<Object> row = new ArrayList<>();
                row.add(run.label());
                row.add(run.setup());
                row.add(run.hash());
                row.add(run.n());
                row.add(replica);
                row.add(run.ringIds().get(replica));
                row.add(count);
                row.add(listed ? run.expected().get(replica) : null);
                row.add(run.predicted().get(replica));
                row.add(listed ? run.check().z().get(index) : null);
                row.add(run.requests());
                row.add(run.failed());
                row.add(run.seconds());
                row.add(run.perSecond());
                rows.add(row);
            });
        }
        return rows;
    }
}

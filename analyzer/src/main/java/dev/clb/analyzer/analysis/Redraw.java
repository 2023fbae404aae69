package dev.clb.analyzer.analysis;

import dev.clb.analyzer.experiments.Experiment;
import dev.clb.analyzer.experiments.Experiments;
import dev.clb.analyzer.output.ResultFiles;
import dev.clb.analyzer.results.Result;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Draws the charts and writes REPORT.md again from the raw results in the output directory, without measuring. */
public final class Redraw {
    private Redraw() {
    }

    /** The names of the results found and redrawn. */
    public static List<String> all(ResultFiles files) throws IOException {
        List<String> done = new ArrayList<>();
        for (Experiment<?> experiment : Experiments.all()) {
            if (redraw(experiment, files)) done.add(experiment.id());
        }
        Report.write(files);
        return done;
    }

    private static <R extends Result> boolean redraw(Experiment<R> experiment, ResultFiles files) throws IOException {
        Optional<R> result = files.read(experiment.id(), experiment.resultType());
        if (result.isPresent()) experiment.drawCharts(result.get(), files);
        return result.isPresent();
    }
}

package dev.clb.analyzer.experiments;

import dev.clb.analyzer.settings.Settings;
import dev.clb.analyzer.settings.Setup;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/** With {@code --setups}: this run's results for its setups, and the earlier results of every other setup, in {@code Setup.ALL} order. */
final class Merge {
    private Merge() {
    }

    static <T> List<T> bySetup(Settings settings, List<T> now, List<T> before, Function<T, String> setupOf) {
        if (settings.onlySetups().isEmpty()) return now;
        List<T> merged = new ArrayList<>(now);
        before.stream().filter(r -> !settings.onlySetups().contains(setupOf.apply(r))).forEach(merged::add);
        merged.sort(Comparator.comparingInt(r -> order(setupOf.apply(r))));
        return merged;
    }

    /** Reasons a setup was not measured, kept from before for the setups this run left alone. */
    static List<String> notMeasured(Settings settings, List<String> now, List<String> before) {
        if (settings.onlySetups().isEmpty()) return now;
        List<String> merged = new ArrayList<>(now);
        before.stream().filter(why -> !settings.onlySetups().contains(why.substring(0, Math.max(0, why.indexOf(':'))))).forEach(merged::add);
        return merged;
    }

    private static int order(String setup) {
        return Setup.ALL.stream().map(Setup::name).toList().indexOf(setup);
    }
}

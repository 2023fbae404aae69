package dev.clb.analyzer.results;

/** A-1 as saved in a1.json. */
public record A1Result(Provenance provenance, RunResult run) implements Result {
    @Override
    public boolean passed() {
        return run.passed();
    }
}

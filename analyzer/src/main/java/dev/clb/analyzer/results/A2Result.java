package dev.clb.analyzer.results;

/** A-2 as saved in a2.json. */
public record A2Result(Provenance provenance, Scaling scaling) implements Result {
    @Override
    public boolean passed() {
        return scaling.passed();
    }
}

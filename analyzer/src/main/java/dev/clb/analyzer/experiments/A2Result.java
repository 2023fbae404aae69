package dev.clb.analyzer.experiments;

/** A-2 as saved in a2.json. */
public record A2Result(Provenance provenance, Scaling scaling) {
}

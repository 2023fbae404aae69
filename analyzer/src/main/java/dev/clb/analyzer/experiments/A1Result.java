package dev.clb.analyzer.experiments;

/** A-1 as saved in a1.json. */
public record A1Result(Provenance provenance, RunResult run) {
}

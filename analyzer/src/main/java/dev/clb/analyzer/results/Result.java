package dev.clb.analyzer.results;

/** What one experiment measured, as saved in its JSON file ({@code a1.json}, ...) and read back for the report. */
public interface Result {
    /** How it was measured. */
    Provenance provenance();

    /** Whether every check of the experiment passed. */
    boolean passed();
}

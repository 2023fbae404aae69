package dev.clb.analyzer.results;

/** One request of A-3's endpoint tour: what was sent, what should come back, what came back. */
public record EndpointCheck(String request, String expected, String actual, boolean passed) {
}

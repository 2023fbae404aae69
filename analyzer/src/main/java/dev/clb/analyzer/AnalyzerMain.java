package dev.clb.analyzer;

public final class AnalyzerMain {
    public static void main(String[] args) {
        System.err.println("analyzer: not built yet");
        System.exit(2);
    }
}

package dev.clb.lb.config;

/** The management server (/ring, /metrics, /dashboard): its address and port (0: any free one). */
public record Management(String bind, int port) {
}

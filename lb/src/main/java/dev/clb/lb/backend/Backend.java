package dev.clb.lb.backend;

/** Where a replica answers: its hostname (the name /rep lists) and the address the load balancer reaches it at. */
public record Backend(String hostname, String host, int port) {
    /** The hostname of the load balancer's own admin server as a backend: what the access log and the metrics name its answers by. */
    public static final String ADMIN = "admin";

    /** The admin server, on a loopback port of its own, as the proxy reaches it. */
    public static Backend admin(int port) {
        return new Backend(ADMIN, "127.0.0.1", port);
    }
}

package dev.clb.lb.backend;

/** Where a replica answers: its hostname (the name /rep lists) and the address the load balancer reaches it at. */
public record Backend(String hostname, String host, int port) {
    public String baseUrl() {
        return "http://" + host + ":" + port;
    }
}

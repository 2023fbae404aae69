package dev.clb.lb.server;

import dev.clb.lb.admin.AdminRoutes;
import dev.clb.lb.admin.AdminToken;
import dev.clb.lb.edge.EdgePolicy;
import dev.clb.lb.proxy.ProxyRoutes;
import dev.clb.lb.proxy.RequestPolicy;
import dev.clb.lb.edge.TlsEvents;
import dev.clb.lb.backend.ReplicaFactory;
import dev.clb.lb.health.HeartbeatMonitor;
import dev.clb.lb.membership.Membership;
import io.javalin.Javalin;
import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * The load balancer's HTTP front. The public port belongs to the {@link ProxyServer}; Javalin serves the admin
 * API on a loopback port of its own, and the proxy sends it the admin paths, so one port answers everything.
 */
public final class LoadBalancerServer implements AutoCloseable {
    private final Javalin admin;
    private final ProxyServer proxy;

    private LoadBalancerServer(Javalin admin, ProxyServer proxy) {
        this.admin = admin;
        this.proxy = proxy;
    }

    /**
     * Where and how the public port listens, and the TLS port beside it if there is one; {@code edge}: what each new
     * client connection of both ports is held to (its limits, the per-client rate limit they share).
     */
    public record Listen(String bind, int port, Transport transport, Supplier<EdgePolicy> edge, Optional<TlsListen> tls) {
    }

    /** The TLS port: its certificate for each SNI name (looked up per handshake, so a swapped set serves at once), and who hears of handshakes. */
    public record TlsListen(int port, Mapping<String, SslContext> certificates, TlsEvents events) {
    }

    public static LoadBalancerServer start(Listen listen, Membership replicas, AdminToken adminToken, HeartbeatMonitor monitor,
                                           ReplicaFactory made, Supplier<RequestPolicy> requests) throws InterruptedException {
        AdminRoutes routes = new AdminRoutes(replicas, adminToken);
        Javalin admin = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.startup.startupWatcherEnabled = false;
            routes.register(config);
        });
        admin.start("127.0.0.1", 0);
        try {
            ProxyServer proxy = new ProxyServer(listen, made.loops(),
                    new ProxyRoutes(replicas::ring, monitor, made.admin(admin.port()), requests));
            return new LoadBalancerServer(admin, proxy);
        } catch (InterruptedException | RuntimeException e) {
            admin.stop();
            throw e;
        }
    }

    /**
     * Closes the public port to new connections; those open are served until their last answer, which tells the
     * client to close, or closed once idle (see {@link Drain}).
     */
    public void stopAccepting() {
        proxy.stopAccepting();
    }

    /** Client connections still open on the public port. */
    public int openConnections() {
        return proxy.openConnections();
    }

    public int port() {
        return proxy.port();
    }

    /** The TLS port, when there is one. */
    public OptionalInt tlsPort() {
        return proxy.tlsPort();
    }

    @Override
    public void close() {
        proxy.close();
        admin.stop();
    }
}

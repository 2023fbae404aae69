package dev.clb.lb.http;

import dev.clb.lb.core.ReplicaManager;
import dev.clb.lb.health.HeartbeatMonitor;
import io.javalin.Javalin;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** The load balancer's HTTP front: the proxy handler first, Javalin's admin routes behind it, one port. */
public final class LoadBalancerServer implements AutoCloseable {
    private final Javalin app;

    private LoadBalancerServer(Javalin app) {
        this.app = app;
    }

    public static LoadBalancerServer start(String bind, int port, ReplicaManager replicas, HeartbeatMonitor monitor,
                                           HttpClient proxyClient, QueuedThreadPool threads, long proxyTimeoutMillis) {
        ProxyHandler proxy = new ProxyHandler(replicas::ring, proxyClient, monitor, proxyTimeoutMillis);
        AdminRoutes admin = new AdminRoutes(replicas);
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.startup.startupWatcherEnabled = false;
            config.jetty.threadPool = threads;
            // replaces Javalin's default StatisticsHandler: the proxy sees every request first
            config.jetty.modifyServer(server -> server.setHandler(proxy));
            admin.register(config);
        });
        app.start(bind, port);
        return new LoadBalancerServer(app);
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}

package dev.clb.lb.management;

import io.javalin.Javalin;
import java.util.List;

/**
 * The management port: what is not part of the assignment's API ({@code /ring}, {@code /metrics},
 * {@code /dashboard}) lives here, apart from the public port, so that no client path is shadowed. It binds to
 * loopback by default.
 */
public final class ManagementServer implements AutoCloseable {
    private final Javalin app;

    private ManagementServer(Javalin app) {
        this.app = app;
    }

    public static ManagementServer start(String bind, int port, List<ManagementRoutes> features) {
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.startup.startupWatcherEnabled = false;
            features.forEach(f -> f.register(config));
        });
        app.start(bind, port);
        return new ManagementServer(app);
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}

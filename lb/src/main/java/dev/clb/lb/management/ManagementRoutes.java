package dev.clb.lb.management;

import io.javalin.config.JavalinConfig;

/** One feature's pages on the management port (e.g. {@code /ring}, {@code /metrics}, {@code /dashboard}). */
@FunctionalInterface
public interface ManagementRoutes {
    void register(JavalinConfig config);
}

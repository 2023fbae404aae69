package dev.clb.replica;

import io.javalin.Javalin;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/** The replica: {@code GET /home} names the server, {@code GET /heartbeat} answers empty; nothing else exists. */
public final class ReplicaServer implements AutoCloseable {
    private final Javalin app;

    private ReplicaServer(Javalin app) {
        this.app = app;
    }

    public static ReplicaServer start(String serverId, String bindAddress, int port) {
        return start(serverId, bindAddress, port, false);
    }

    /**
     * With {@code testPaths}, also {@code /test/delay?ms=N} (any method): answers like {@code /home} after holding the
     * request N ms (at most 60 s), for tests and experiments that need a replica that takes its time. Off by default,
     * so that a replica has exactly the spec's paths. Also {@code PUT /test/failing} and {@code DELETE /test/failing}:
     * from the first until the second, every request but {@code /heartbeat} and these two is answered 500, a gray
     * failure (alive to its heartbeats, failing real requests) for the outlier detection's tests.
     */
    public static ReplicaServer start(String serverId, String bindAddress, int port, boolean testPaths) {
        byte[] home = homeBody(serverId);
        AtomicBoolean failing = new AtomicBoolean();
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.startup.startupWatcherEnabled = false;
            config.routes.get("/home", ctx -> ctx.contentType("application/json").result(home));
            config.routes.get("/heartbeat", ctx -> ctx.status(200));
            if (testPaths) {
                config.routes.get("/test/delay", ctx -> delay(ctx, home));
                config.routes.post("/test/delay", ctx -> delay(ctx, home));
                config.routes.put("/test/delay", ctx -> delay(ctx, home));
                config.routes.delete("/test/delay", ctx -> delay(ctx, home));
                config.routes.put("/test/failing", ctx -> failing.set(true));
                config.routes.delete("/test/failing", ctx -> failing.set(false));
                config.routes.before(ctx -> {
                    if (failing.get() && !ctx.path().equals("/heartbeat") && !ctx.path().equals("/test/failing")) {
                        ctx.status(500).contentType("application/json").result("{\"error\": \"failing (PUT /test/failing)\"}");
                        ctx.skipRemainingHandlers();
                    }
                });
            }
        });
        app.start(bindAddress, port);
        return new ReplicaServer(app);
    }

    private static void delay(io.javalin.http.Context ctx, byte[] home) throws InterruptedException {
        long ms;
        try {
            ms = Long.parseLong(ctx.queryParamAsClass("ms", String.class).getOrDefault("0"));
        } catch (NumberFormatException e) {
            ctx.status(400).result("ms must be a whole number of milliseconds");
            return;
        }
        ctx.bodyAsBytes(); // read the whole request body before answering
        Thread.sleep(Math.max(0, Math.min(ms, 60_000)));
        ctx.contentType("application/json").result(home);
    }

    /** Exactly {@code {"message": "Hello from Server: <id>", "status": "successful"}}. */
    static byte[] homeBody(String serverId) {
        return ("{\"message\": \"Hello from Server: " + jsonEscape(serverId) + "\", \"status\": \"successful\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    static String jsonEscape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        return out.toString();
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}

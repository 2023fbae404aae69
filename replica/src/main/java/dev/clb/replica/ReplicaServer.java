package dev.clb.replica;

import io.javalin.Javalin;
import java.nio.charset.StandardCharsets;

/** The replica: {@code GET /home} names the server, {@code GET /heartbeat} answers empty; nothing else exists. */
public final class ReplicaServer implements AutoCloseable {
    private final Javalin app;

    private ReplicaServer(Javalin app) {
        this.app = app;
    }

    public static ReplicaServer start(String serverId, String bindAddress, int port) {
        byte[] home = homeBody(serverId);
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.startup.startupWatcherEnabled = false;
            config.routes.get("/home", ctx -> ctx.contentType("application/json").result(home));
            config.routes.get("/heartbeat", ctx -> ctx.status(200));
        });
        app.start(bindAddress, port);
        return new ReplicaServer(app);
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

package dev.clb.lb.admin;

import dev.clb.lb.edge.Json;
import dev.clb.lb.membership.Membership;
import dev.clb.lb.membership.MembershipException;
import dev.clb.lb.membership.MembershipException.InvalidChange;
import dev.clb.lb.membership.MembershipException.StartFailed;
import dev.clb.lb.membership.MembershipException.Unavailable;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/** {@code GET /rep}, {@code POST /add}, {@code DELETE /rm} (and {@code POST /rm}) on Javalin. */
public final class AdminRoutes {
    public static final List<String> PATHS = List.of("/rep", "/add", "/rm");
    /** The proxy forwards bodies of at most 8 MiB. */
    private static final long MAX_DISCARD_BYTES = 8L * 1024 * 1024;

    private final Membership replicas;
    private final AdminToken token;

    public AdminRoutes(Membership replicas, AdminToken token) {
        this.replicas = replicas;
        this.token = token;
    }

    public void register(JavalinConfig config) {
        config.routes.get("/rep", ctx -> json(ctx, 200, Json.rep(replicas.hostnames())));
        config.routes.post("/add", ctx -> change(ctx, AdminRequest.Kind.ADD));
        config.routes.delete("/rm", ctx -> change(ctx, AdminRequest.Kind.REMOVE));
        config.routes.post("/rm", ctx -> change(ctx, AdminRequest.Kind.REMOVE));
        // the admin paths exist only with these methods: say so rather than proxying others to the replicas
        config.http.prefer405over404 = true;
        config.routes.error(405, ctx -> json(ctx, 405, Json.error("Method " + ctx.method() + " is not allowed on " + ctx.path())));
    }

    private void change(Context ctx, AdminRequest.Kind kind) {
        try {
            Optional<String> unauthorized = token.refusal(ctx.header("Authorization"));
            if (unauthorized.isPresent()) {
                ctx.header("WWW-Authenticate", "Bearer");
                json(ctx, 401, Json.error(unauthorized.get()));
                return;
            }
            AdminRequest request = AdminRequest.parse(readBounded(ctx), kind);
            List<String> after = kind == AdminRequest.Kind.ADD
                    ? replicas.add(request.n(), request.hostnames())
                    : replicas.remove(request.n(), request.hostnames());
            json(ctx, 200, Json.rep(after));
        } catch (MembershipException e) {
            Answer answer = refused(e);
            json(ctx, answer.status(), answer.body());
        } finally {
            discardUnread(ctx);
        }
    }

    /** A status and a JSON body. */
    record Answer(int status, String body) {
    }

    /**
     * How the admin API answers a refused change: the one place where membership errors become HTTP. Replicas that
     * could not start are the runtime's failure, as a cluster without its store is, and the same request may succeed later (503); any other refusal is
     * the request's, which the client must change (400).
     */
    static Answer refused(MembershipException refusal) {
        return new Answer(refusal instanceof StartFailed || refusal instanceof Unavailable ? 503 : 400, Json.error(refusal.getMessage()));
    }

    /**
     * Reads and drops what is left of a body that was refused unread (no token, too large), so that the server
     * answers on an open connection instead of closing it while the proxy is still sending: the client then always
     * gets the refusal, never a 502. Bounded by what the proxy forwards.
     */
    private static void discardUnread(Context ctx) {
        try (InputStream in = ctx.req().getInputStream()) {
            in.skipNBytes(Math.min(Math.max(0, ctx.req().getContentLengthLong()), MAX_DISCARD_BYTES));
        } catch (IOException e) {
            // the body ended early or the connection went: nothing left to discard
        }
    }

    /** The body, but never more than one byte past the limit, whatever Content-Length says. */
    private static byte[] readBounded(Context ctx) throws InvalidChange {
        try (InputStream in = ctx.req().getInputStream()) {
            return in.readNBytes(AdminRequest.MAX_BODY_BYTES + 1);
        } catch (IOException e) {
            throw new InvalidChange("Unreadable body: " + e.getMessage());
        }
    }

    private static void json(Context ctx, int status, String body) {
        ctx.status(status).contentType("application/json").result(body);
    }
}

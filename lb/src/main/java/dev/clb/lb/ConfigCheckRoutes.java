package dev.clb.lb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clb.lb.config.LoadBalancerConfig;
import dev.clb.lb.management.ManagementRoutes;
import io.javalin.config.JavalinConfig;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code POST /config/check}: the dry run. The body is a configuration file's text (YAML or JSON, the same keys), read
 * as a reload would read the file, with the command line and environment the load balancer started with; the answer
 * says whether a reload to it would be refused and why, which keys it changes, and how the request ids would move
 * ({@link Reconfiguration#check}). Nothing changes.
 */
final class ConfigCheckRoutes implements ManagementRoutes {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Reconfiguration reconfiguration;
    private final Function<String, LoadBalancerConfig> configurations;

    /** {@code configurations}: the configuration a file with this text would give; IllegalArgumentException naming what it refuses. */
    ConfigCheckRoutes(Reconfiguration reconfiguration, Function<String, LoadBalancerConfig> configurations) {
        this.reconfiguration = reconfiguration;
        this.configurations = configurations;
    }

    @Override
    public void register(JavalinConfig config) {
        config.routes.post("/config/check", ctx -> ctx.contentType("application/json").result(body(ctx.body())));
    }

    /** The answer; {@code moves} null when the replicas would not fit (the reasons say so). */
    record Answer(boolean refused, List<String> reasons, List<String> changed, Reconfiguration.Moves moves) {
    }

    String body(String text) throws JsonProcessingException {
        Reconfiguration.Preview preview;
        try {
            preview = reconfiguration.check(configurations.apply(text));
        } catch (IllegalArgumentException e) {
            preview = new Reconfiguration.Preview(true, List.of(e.getMessage()), List.of(), Optional.empty());
        }
        return JSON.writeValueAsString(new Answer(preview.refused(), preview.reasons(), preview.changed(), preview.moves().orElse(null)));
    }
}

package dev.clb.lb.runtime;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.github.dockerjava.api.model.ServicePlacement;
import java.util.List;
import java.util.Map;

/**
 * A service placement with the spread preference over node ids ({@code --placement-pref spread=node.id}), which
 * docker-java's {@link ServicePlacement} has no field for; the engine API takes it as {@code Preferences}.
 */
final class SpreadPlacement extends ServicePlacement {
    private static final long serialVersionUID = 1L;

    @JsonProperty("Preferences")
    public List<Map<String, Map<String, String>>> getPreferences() {
        return List.of(Map.of("Spread", Map.of("SpreadDescriptor", "node.id")));
    }
}

package dev.clb.analyzer.traffic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;

/** Reads the replica's id out of a {@code /home} answer: {@code {"message": "Hello from Server: <id>", ...}}. */
public final class HomeAnswer {
    static final String PREFIX = "Hello from Server: ";
    private static final ObjectMapper mapper = new ObjectMapper();

    private HomeAnswer() {
    }

    public static Optional<String> serverId(String body) {
        try {
            JsonNode message = mapper.readTree(body).path("message");
            if (!message.isTextual() || !message.textValue().startsWith(PREFIX)) return Optional.empty();
            String id = message.textValue().substring(PREFIX.length());
            return id.isEmpty() ? Optional.empty() : Optional.of(id);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}

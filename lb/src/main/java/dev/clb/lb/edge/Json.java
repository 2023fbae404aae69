package dev.clb.lb.edge;

import java.util.List;
import java.util.stream.Collectors;

/** The API's JSON bodies, byte for byte as the spec shows them (", " and ": " separators). */
public final class Json {
    private Json() {
    }

    public static String rep(List<String> replicas) {
        String list = replicas.stream().map(Json::quote).collect(Collectors.joining(", "));
        return "{\"message\": {\"N\": " + replicas.size() + ", \"replicas\": [" + list + "]}, \"status\": \"successful\"}";
    }

    public static String error(String message) {
        return "{\"message\": " + quote("<Error> " + message) + ", \"status\": \"failure\"}";
    }

    public static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c)); else out.append(c);
                }
            }
        }
        return out.append('"').toString();
    }
}

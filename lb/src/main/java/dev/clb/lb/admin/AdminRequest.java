package dev.clb.lb.admin;

import dev.clb.lb.edge.Json;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clb.lb.core.Hostnames;
import dev.clb.lb.membership.MembershipException.InvalidChange;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The payload of {@code /add} and {@code /rm}: {@code {"n": 4, "hostnames": ["S5", "S4"]}}, checked in full. A payload
 * refused here asks for an invalid change, as one the membership refuses does, and is answered the same way.
 */
record AdminRequest(int n, List<String> hostnames) {
    static final int MAX_BODY_BYTES = 64 * 1024;
    private static final ObjectMapper mapper = new ObjectMapper();

    enum Kind {
        ADD("newly added instances"), REMOVE("removable instances");

        final String instances;

        Kind(String instances) {
            this.instances = instances;
        }
    }

    static AdminRequest parse(byte[] body, Kind kind) throws InvalidChange {
        if (body.length > MAX_BODY_BYTES) {
            throw new InvalidChange("Request body too large: at most " + MAX_BODY_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JacksonException e) {
            throw new InvalidChange("Malformed JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new InvalidChange("Unreadable body: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new InvalidChange("Empty body: expected a JSON object like {\"n\": 1, \"hostnames\": [\"S1\"]}");
        }
        if (!root.isObject()) throw new InvalidChange("Payload must be a JSON object, got " + describe(root));
        for (Iterator<String> fields = root.fieldNames(); fields.hasNext(); ) {
            String field = fields.next();
            if (!field.equals("n") && !field.equals("hostnames")) {
                throw new InvalidChange("Unknown field '" + field + "': only 'n' and 'hostnames' are accepted");
            }
        }
        JsonNode n = root.get("n");
        if (n == null || n.isNull()) throw new InvalidChange("'n' is required: the number of instances");
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new InvalidChange("'n' must be a positive integer, got " + describe(n));
        }
        if (n.intValue() <= 0) throw new InvalidChange("'n' must be a positive integer, got " + n.intValue());
        List<String> hostnames = hostnames(root.get("hostnames"));
        if (hostnames.size() > n.intValue()) {
            throw new InvalidChange("Length of hostname list is more than " + kind.instances);
        }
        return new AdminRequest(n.intValue(), hostnames);
    }

    private static List<String> hostnames(JsonNode node) throws InvalidChange {
        if (node == null || node.isNull()) return List.of();
        if (!node.isArray()) throw new InvalidChange("'hostnames' must be a list of strings, got " + describe(node));
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode element : node) {
            if (!element.isTextual()) throw new InvalidChange("'hostnames' must be a list of strings, found " + describe(element));
            String name = element.textValue();
            if (!Hostnames.isValid(name)) {
                throw new InvalidChange("Hostname " + Json.quote(name) + " is not valid: use 1 to 63 characters from "
                        + "[a-zA-Z0-9_.-], starting with a letter or digit");
            }
            if (!seen.add(name)) throw new InvalidChange("Hostname '" + name + "' is listed twice");
            names.add(name);
        }
        return names;
    }

    private static String describe(JsonNode node) {
        String text = node.toString();
        if (text.length() > 40) text = text.substring(0, 40) + "...";
        return node.getNodeType().name().toLowerCase() + " " + text;
    }
}

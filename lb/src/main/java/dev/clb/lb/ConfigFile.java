package dev.clb.lb;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.lang.reflect.AnnotatedElement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * A configuration file ({@code --config FILE}, env {@code LB_CONFIG}): YAML (JSON is YAML too), one key per option, named
 * as the long option without its dashes ({@code strategy: maglev}, {@code backends: [a:1, b:2]}). It gives picocli
 * the defaults of the options, so that a flag or its environment variable still wins: flags, then environment, then
 * the file, then the built-in defaults. A key no option has, or a value that is not a scalar or a list of scalars, is
 * refused naming the file and the key.
 */
final class ConfigFile implements IDefaultValueProvider {
    static final String OPTION = "--config";
    static final String ENV = "LB_CONFIG";
    /** Options that make no sense in the file: the file itself, and picocli's help and version. */
    private static final Set<String> NOT_IN_FILE = Set.of("config", "help", "version");
    private static final Pattern ENV_TWIN = Pattern.compile("^\\$\\{env:([A-Za-z0-9_]+)");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Path path;
    private final Map<String, String> values;
    private final Function<String, String> environment;

    private ConfigFile(Path path, Map<String, String> values, Function<String, String> environment) {
        this.path = path;
        this.values = values;
        this.environment = environment;
    }

    /** The file {@code args} name ({@code --config FILE} or {@code --config=FILE}), else the one {@code LB_CONFIG} names; none when neither does. */
    static Optional<Path> named(String[] args, Function<String, String> environment) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(OPTION) && i + 1 < args.length) return Optional.of(Path.of(args[i + 1]));
            if (args[i].startsWith(OPTION + "=")) return Optional.of(Path.of(args[i].substring(OPTION.length() + 1)));
        }
        String env = environment.apply(ENV);
        return env == null || env.isBlank() ? Optional.empty() : Optional.of(Path.of(env));
    }

    /** The file at {@code path}, its keys checked against {@code spec}'s long options; IllegalArgumentException naming the file and what is wrong. */
    static ConfigFile read(Path path, CommandSpec spec, Function<String, String> environment) {
        try {
            return parse(path, Files.readString(path), spec, environment);
        } catch (IOException e) {
            throw new IllegalArgumentException(path + ": cannot read it: " + e);
        }
    }

    /** {@code text} as the file at {@code path} (the dry run's body, as though it were the file). */
    static ConfigFile parse(Path path, String text, CommandSpec spec, Function<String, String> environment) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(path + ": not YAML: " + e.getOriginalMessage());
        }
        Map<String, String> values = new LinkedHashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) return new ConfigFile(path, values, environment);
        if (!root.isObject()) throw new IllegalArgumentException(path + ": must be a map of option names to values, is a " + kind(root));
        Set<String> keys = new TreeSet<>();
        spec.options().forEach(option -> keys.add(key(option)));
        keys.removeAll(NOT_IN_FILE);
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            if (!keys.contains(key)) throw new IllegalArgumentException(path + ": unknown key '" + key + "'" + (NOT_IN_FILE.contains(key) ? " (not in a file)" : ""));
            values.put(key, value(path, key, field.getValue()));
        }
        return new ConfigFile(path, values, environment);
    }

    private static String value(Path path, String key, JsonNode node) {
        if (node.isValueNode()) return node.isNull() ? "" : node.asText();
        if (node.isArray()) {
            List<String> items = new ArrayList<>();
            for (JsonNode item : node) {
                if (!item.isValueNode() || item.isNull()) throw new IllegalArgumentException(path + ": " + key + ": a list of plain values, not of " + kind(item));
                String text = item.asText();
                if (text.contains(",")) throw new IllegalArgumentException(path + ": " + key + ": '" + text + "' holds a comma; give one value per item");
                items.add(text);
            }
            return String.join(",", items);
        }
        throw new IllegalArgumentException(path + ": " + key + ": a value or a list of values, not a " + kind(node));
    }

    private static String kind(JsonNode node) {
        return node.getNodeType() == JsonNodeType.OBJECT ? "map" : node.getNodeType().name().toLowerCase();
    }

    private static String key(OptionSpec option) {
        return option.longestName().replaceFirst("^--?", "");
    }

    Path path() {
        return path;
    }

    /** The file's value of {@code spec}, unless its environment variable is set (the environment comes before the file). */
    @Override
    public String defaultValue(ArgSpec spec) {
        if (!(spec instanceof OptionSpec option)) return null;
        String value = values.get(key(option));
        if (value == null) return null;
        return envTwin(option).map(environment).isPresent() ? null : value;
    }

    /** The environment variable of {@code option}: the one its annotated default reads first. */
    private static Optional<String> envTwin(OptionSpec option) {
        if (!(option.userObject() instanceof AnnotatedElement element) || element.getAnnotation(Option.class) == null) return Optional.empty();
        Matcher twin = ENV_TWIN.matcher(element.getAnnotation(Option.class).defaultValue());
        return twin.find() ? Optional.of(twin.group(1)) : Optional.empty();
    }

    /**
     * {@code message} (a refusal naming options as {@code --flag}) naming this file and the keys whose values it gave, when
     * it did: the user sees where to fix it. {@code args}: the command line, whose flags come before the file.
     */
    String attributed(String message, String[] args, CommandSpec spec) {
        List<String> fromFile = new ArrayList<>();
        for (String key : values.keySet()) {
            OptionSpec option = spec.findOption(key);
            boolean flagged = List.of(args).stream().anyMatch(arg -> arg.equals("--" + key) || arg.startsWith("--" + key + "="));
            boolean fromEnv = option != null && envTwin(option).map(environment).isPresent();
            if (!flagged && !fromEnv && Pattern.compile("--" + Pattern.quote(key) + "(?![\\w-])").matcher(message).find()) fromFile.add(key);
        }
        return fromFile.isEmpty() ? message : path + ": " + String.join(", ", fromFile) + ": " + message;
    }
}

package dev.clb.analyzer.output;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** The output directory: raw results as JSON and CSV, chart files, read back for REPORT.md. */
public final class ResultFiles {
    private static final ObjectMapper mapper = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path dir;

    public ResultFiles(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public void json(String name, Object value) throws IOException {
        mapper.writeValue(path(name + ".json").toFile(), value);
    }

    /** A result saved earlier, by this run or an earlier one; empty when there is none. */
    public <T> Optional<T> read(String name, Class<T> type) throws IOException {
        Path file = dir.resolve(name + ".json");
        return Files.isRegularFile(file) ? Optional.of(mapper.readValue(file.toFile(), type)) : Optional.empty();
    }

    public void csv(String name, List<String> header, List<? extends List<?>> rows) throws IOException {
        StringBuilder text = new StringBuilder(line(header));
        rows.forEach(row -> text.append(line(row)));
        Files.writeString(path(name + ".csv"), text);
    }

    public void markdown(String name, String text) throws IOException {
        Files.writeString(path(name + ".md"), text);
    }

    /** The file {@code name} in the output directory, which is created if missing; e.g. a chart's PNG. */
    public Path path(String name) throws IOException {
        Files.createDirectories(dir);
        return dir.resolve(name);
    }

    static String line(List<?> fields) {
        return fields.stream().map(ResultFiles::field).collect(Collectors.joining(",")) + "\n";
    }

    private static String field(Object value) {
        String text = value == null ? "" : value instanceof Double d ? String.format(java.util.Locale.ROOT, "%.3f", d) : value.toString();
        boolean quote = text.contains(",") || text.contains("\"") || text.contains("\n");
        return quote ? "\"" + text.replace("\"", "\"\"") + "\"" : text;
    }
}

package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One {@code GET /metrics} over HTTP, parsed from Prometheus' text format into samples. */
record PrometheusScrape(String text, List<Sample> samples) {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    record Sample(String name, Map<String, String> labels, double value) {
    }

    static PrometheusScrape of(int managementPort) throws Exception {
        HttpResponse<String> response = TestStack.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
        List<Sample> samples = new ArrayList<>();
        for (String line : response.body().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("a Prometheus sample line: " + line).isTrue();
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) labels.put(l.group(1), l.group(2));
            }
            samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
        }
        return new PrometheusScrape(response.body(), samples);
    }

    /** The sum of {@code name} over the samples whose labels include all of {@code labels} (k1, v1, k2, v2, ...). */
    double sum(String name, String... labels) {
        return samples.stream().filter(s -> s.name().equals(name) && matches(s.labels(), labels)).mapToDouble(Sample::value).sum();
    }

    /** {@code name}'s value per value of {@code label}, over samples that include {@code labels}. */
    Map<String, Double> by(String label, String name, String... labels) {
        Map<String, Double> values = new LinkedHashMap<>();
        samples.stream().filter(s -> s.name().equals(name) && matches(s.labels(), labels))
                .forEach(s -> values.merge(s.labels().get(label), s.value(), Double::sum));
        return values;
    }

    boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name().equals(name));
    }

    private static boolean matches(Map<String, String> actual, String... wanted) {
        for (int i = 0; i + 1 < wanted.length; i += 2) {
            if (!wanted[i + 1].equals(actual.get(wanted[i]))) return false;
        }
        return true;
    }
}

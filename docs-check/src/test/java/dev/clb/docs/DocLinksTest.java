package dev.clb.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in README.md and docs/ leads to a file inside the repository, and its #fragment to a heading (as
 * GitHub names it) or an {@code <a id>} of that file: a newcomer's one click never ends on nothing, nor outside.
 */
class DocLinksTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.+?)\\s*$");
    private static final Pattern ANCHOR = Pattern.compile("<a id=\"([^\"]+)\"");
    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");

    @Test
    void everyRelativeLinkLeadsToAFileAndAnAnchorInTheRepository() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path page : pages()) {
            for (String target : links(page)) {
                if (SCHEME.matcher(target).find()) continue; // http:, https:, mailto:
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                String where = ROOT.relativize(page) + ": " + target;
                if (file.startsWith("/") || !resolved.startsWith(ROOT)) {
                    broken.add(where + " points outside the repository");
                } else if (!Files.exists(resolved)) {
                    broken.add(where + " names no file");
                } else if (hash >= 0 && resolved.toString().endsWith(".md") && !anchors(resolved).contains(target.substring(hash + 1))) {
                    broken.add(where + " names no heading or anchor of " + ROOT.relativize(resolved));
                }
            }
        }
        assertThat(broken).as("links in README.md and docs/ that lead nowhere").isEmpty();
    }

    @Test
    void headingsAreNamedAsGitHubNamesThem() {
        assertThat(slug("`analyzer a1`")).isEqualTo("analyzer-a1");
        assertThat(slug("The experiments (A-1..A-6)")).isEqualTo("the-experiments-a-1a-6");
        assertThat(slug("Micro-benchmarks and the analyzer's client")).isEqualTo("micro-benchmarks-and-the-analyzers-client");
        assertThat(slug("TLS and HTTP/2")).isEqualTo("tls-and-http2");
    }

    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    /** The lines of {@code page} outside fenced code blocks. */
    private static List<String> prose(Path page) throws IOException {
        List<String> prose = new ArrayList<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(page)) {
            if (line.stripLeading().startsWith("```")) fenced = !fenced;
            else if (!fenced) prose.add(line);
        }
        return prose;
    }

    private static List<String> links(Path page) throws IOException {
        List<String> targets = new ArrayList<>();
        for (String line : prose(page)) {
            for (Matcher link = LINK.matcher(line); link.find(); ) targets.add(link.group(1));
        }
        return targets;
    }

    private static Set<String> anchors(Path page) throws IOException {
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : prose(page)) {
            Matcher heading = HEADING.matcher(line);
            if (heading.matches()) {
                String slug = slug(heading.group(1));
                int count = seen.merge(slug, 1, Integer::sum);
                anchors.add(count == 1 ? slug : slug + "-" + (count - 1));
            }
            for (Matcher anchor = ANCHOR.matcher(line); anchor.find(); ) anchors.add(anchor.group(1));
        }
        return anchors;
    }

    /** GitHub's heading id: lower case, punctuation dropped (hyphens and underscores kept), spaces to hyphens. */
    private static String slug(String heading) {
        return heading.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
    }
}

package dev.clb.analyzer.output;

import java.util.List;
import java.util.stream.Collectors;

/** A small Markdown writer: headings, paragraphs, tables, images. */
public final class Markdown {
    private final StringBuilder text = new StringBuilder();

    public Markdown heading(int level, String title) {
        text.append("#".repeat(level)).append(' ').append(title).append("\n\n");
        return this;
    }

    public Markdown paragraph(String paragraph) {
        text.append(paragraph.strip()).append("\n\n");
        return this;
    }

    public Markdown image(String alt, String file) {
        text.append("![").append(alt).append("](").append(file).append(")\n\n");
        return this;
    }

    public Markdown table(List<String> header, List<List<String>> rows) {
        text.append(row(header));
        text.append(header.stream().map(h -> "---").collect(Collectors.joining(" | ", "| ", " |\n")));
        rows.forEach(r -> text.append(row(r)));
        text.append('\n');
        return this;
    }

    private static String row(List<String> cells) {
        return cells.stream().map(c -> c.replace("|", "\\|")).collect(Collectors.joining(" | ", "| ", " |\n"));
    }

    @Override
    public String toString() {
        return text.toString();
    }
}

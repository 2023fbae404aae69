package dev.clb.docs;

import dev.clb.analyzer.AnalyzerMain;
import dev.clb.docs.CliReference.Program;
import dev.clb.lb.LoadBalancerMain;
import dev.clb.replica.ReplicaMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import picocli.CommandLine;

/** docs/reference/cli.md is the usage of the three programs; -Dcli.docs.write=true (make docs) rewrites it. */
class CliReferenceTest {
    private static final Path PAGE = Path.of("..", "docs", "reference", "cli.md");
    private static final String REGENERATE = "regenerate it with 'make docs' (mvn -pl docs-check -am test -Dtest=CliReferenceTest "
            + "-Dsurefire.failIfNoSpecifiedTests=false -Dcli.docs.write=true) and commit it";

    @Test
    void pageIsWhatTheOptionsPrint() throws IOException {
        String generated = CliReference.render(List.of(
                new Program("The load balancer", "java -jar lb/target/lb.jar [OPTIONS]", new CommandLine(new LoadBalancerMain())),
                new Program("The replica", "java -jar replica/target/replica.jar [OPTIONS]", new CommandLine(new ReplicaMain())),
                new Program("The analyzer", "java -jar analyzer/target/analyzer.jar COMMAND [OPTIONS]", AnalyzerMain.commandLine())));
        if (Boolean.getBoolean("cli.docs.write")) Files.writeString(PAGE, generated);
        if (!Files.exists(PAGE)) throw new AssertionError(PAGE.toAbsolutePath().normalize() + " is missing; " + REGENERATE);
        String page = Files.readString(PAGE);
        if (!page.equals(generated)) {
            throw new AssertionFailedError("docs/reference/cli.md differs from the picocli options (" + firstDifference(page, generated)
                    + "); " + REGENERATE, generated, page);
        }
    }

    private static String firstDifference(String page, String generated) {
        List<String> pageLines = page.lines().toList();
        List<String> generatedLines = generated.lines().toList();
        int line = 0;
        while (line < pageLines.size() && line < generatedLines.size() && pageLines.get(line).equals(generatedLines.get(line))) line++;
        return "line " + (line + 1) + ": the page has [" + (line < pageLines.size() ? pageLines.get(line) : "<end>")
                + "], the options give [" + (line < generatedLines.size() ? generatedLines.get(line) : "<end>") + "]";
    }
}

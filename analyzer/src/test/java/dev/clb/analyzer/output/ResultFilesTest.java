package dev.clb.analyzer.output;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.analyzer.results.EndpointCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultFilesTest {
    @TempDir
    Path dir;

    @Test
    void csvQuotesWhatNeedsIt() throws Exception {
        ResultFiles files = new ResultFiles(dir.resolve("nested"));
        files.csv("t", List.of("a", "b", "c"), List.of(Arrays.asList("x,y", "say \"hi\"", null), List.of(1.23456, 7L, true)));
        assertThat(Files.readAllLines(dir.resolve("nested/t.csv"))).containsExactly("a,b,c", "\"x,y\",\"say \"\"hi\"\"\",", "1.235,7,true");
    }

    @Test
    void jsonRoundTrips() throws Exception {
        ResultFiles files = new ResultFiles(dir);
        EndpointCheck check = new EndpointCheck("GET /rep", "200", "200 {...}", true);
        files.json("check", check);
        assertThat(files.read("check", EndpointCheck.class)).contains(check);
        assertThat(files.read("absent", EndpointCheck.class)).isEmpty();
    }
}

package dev.clb.lb;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A replica that crashes at once on every start: {@link RepeatedFaultsTest} packs this class alone into a jar that
 * takes the replica jar's place. Each start appends its time to {@code starts.log} beside the jar, then exits 1.
 */
public final class CrashingReplica {
    private CrashingReplica() {
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(CrashingReplica.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Files.writeString(jar.resolveSibling("starts.log"), System.currentTimeMillis() + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        System.exit(1);
    }
}

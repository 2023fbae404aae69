package dev.clb.replica;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "replica", mixinStandardHelpOptions = true,
        description = "A replica server: GET /home names it, GET /heartbeat answers 200 with an empty body.")
public final class ReplicaMain implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "${env:PORT:-5000}", description = "Port to listen on (env PORT, default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--bind", defaultValue = "${env:BIND_ADDRESS:-0.0.0.0}", description = "Address to bind (env BIND_ADDRESS, default ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--id", defaultValue = "${env:SERVER_ID:-${env:HOSTNAME:-replica}}",
            description = "Server id reported by /home (env SERVER_ID, else HOSTNAME; default ${DEFAULT-VALUE}).")
    String serverId;

    @Option(names = "--exit-with-stdin", defaultValue = "${env:EXIT_WITH_STDIN:-false}",
            description = "Exit when standard input closes, i.e. when the parent that holds the pipe dies, even by SIGKILL (env EXIT_WITH_STDIN).")
    boolean exitWithStdin;

    @Option(names = "--test-paths", defaultValue = "${env:REPLICA_TEST_PATHS:-false}",
            description = "Also serve /test/delay?ms=N (any method): answers like /home after N ms; PUT /test/failing answers 500 to all but /heartbeat until DELETE /test/failing; for tests and experiments (env REPLICA_TEST_PATHS).")
    boolean testPaths;

    @Override
    public Integer call() {
        ReplicaServer server = ReplicaServer.start(serverId, bind, port, testPaths);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "replica-shutdown"));
        long sinceJvmStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        System.out.printf("replica %s listening on %s:%d, %d ms after JVM start%n", serverId, bind, server.port(), sinceJvmStart);
        if (exitWithStdin) {
            Thread watcher = new Thread(ReplicaMain::exitWhenStdinCloses, "stdin-watcher");
            watcher.setDaemon(true);
            watcher.start();
        }
        return 0;
    }

    private static void exitWhenStdinCloses() {
        try {
            while (System.in.read() >= 0) {
                // the parent never writes; anything it sends is ignored
            }
        } catch (IOException ignored) {
            // a broken pipe means the same as end of input
        }
        System.exit(0);
    }

    public static void main(String[] args) {
        int code = new CommandLine(new ReplicaMain()).execute(args);
        if (code != 0) System.exit(code);
    }
}

package dev.clb.lb;

import dev.clb.lb.config.LoadBalancerConfig;
import io.netty.util.ResourceLeakDetector;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;
import sun.misc.Signal;

@Command(name = "lb", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Consistent-hash load balancer that keeps N replicas alive: GET /rep, POST /add, DELETE /rm, any other path is proxied.")
public final class LoadBalancerMain implements Callable<Integer> {
    @Mixin
    LoadBalancerOptions options = new LoadBalancerOptions();
    private final String[] args;
    private Optional<ConfigFile> file = Optional.empty();

    /** The command without a command line to read again (its help, the reference). */
    public LoadBalancerMain() {
        this(new String[0]);
    }

    private LoadBalancerMain(String[] args) {
        this.args = args.clone();
    }

    /** The command line without a configuration file (its help, the reference). */
    static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line of the load balancer for {@code args}, with the configuration file they or {@code LB_CONFIG} name
     * as its defaults (IllegalArgumentException naming the file when it is refused). A value that picocli cannot convert
     * is refused as {@link #call()} refuses one the configuration does not take: "lb: --flag: why" on standard error
     * (after the file and key when the file gave it), exit code 2, no usage text after it.
     */
    static CommandLine commandLine(String[] args) {
        return commandLine(args, ConfigFile.named(args, System::getenv), Optional.empty());
    }

    /** {@code text}: the file's text instead of what is on disk (the dry run's body). */
    private static CommandLine commandLine(String[] args, Optional<Path> path, Optional<String> text) {
        LoadBalancerMain main = new LoadBalancerMain(args);
        CommandLine cli = new CommandLine(main);
        main.file = path.map(p -> text.isPresent() ? ConfigFile.parse(p, text.get(), cli.getCommandSpec(), System::getenv)
                : ConfigFile.read(p, cli.getCommandSpec(), System::getenv));
        main.file.ifPresent(cli::setDefaultValueProvider);
        IParameterExceptionHandler picocli = cli.getParameterExceptionHandler();
        cli.setParameterExceptionHandler((e, given) -> {
            Optional<String> refusal = LoadBalancerOptions.refusal(e);
            if (refusal.isEmpty()) return picocli.handleParseException(e, given);
            System.err.println("lb: " + main.attributed(refusal.get()));
            return 2;
        });
        return cli;
    }

    private String attributed(String message) {
        return file.map(f -> f.attributed(message, args, new CommandLine(new LoadBalancerMain(args)).getCommandSpec())).orElse(message);
    }

    /**
     * The configuration {@code args} give now, the configuration file read again ({@code text}: with that text instead):
     * what a reload applies, by the same code as the start. IllegalArgumentException naming what is refused.
     */
    static LoadBalancerConfig configuration(String[] args, Optional<String> text) {
        Optional<Path> path = ConfigFile.named(args, System::getenv);
        if (text.isPresent() && path.isEmpty()) path = Optional.of(Path.of("(body)"));
        CommandLine cli = commandLine(args, path, text);
        LoadBalancerMain main = cli.getCommand();
        try {
            cli.parseArgs(args);
        } catch (ParameterException e) {
            throw new IllegalArgumentException(main.attributed(LoadBalancerOptions.refusal(e).orElse(e.getMessage())), e);
        }
        return main.config();
    }

    private LoadBalancerConfig config() {
        try {
            return options.config();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(attributed(e.getMessage()), e);
        }
    }

    @Override
    public Integer call() throws Exception {
        LoadBalancerConfig config;
        try {
            config = config();
        } catch (IllegalArgumentException e) {
            System.err.println("lb: " + e.getMessage());
            return 2;
        }
        LoadBalancer lb;
        try {
            lb = LoadBalancer.start(config, text -> configuration(args, Optional.of(text)));
        } catch (IllegalArgumentException e) {
            System.err.println("lb: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            Throwable cause = e;
            while (cause.getCause() != null && cause.getMessage() == null) cause = cause.getCause();
            System.err.println("lb: cannot start: " + cause.getMessage());
            return 1;
        }
        // SIGHUP: read the configuration file and the certificate files again now (both are watched as well), as nginx and
        // HAProxy reload on it; without either it keeps the JVM's meaning (stop, draining first)
        Optional<ConfigWatch> watch = file.map(f -> ConfigWatch.start(f.path(), () -> configuration(args, Optional.empty()), lb.reconfiguration()));
        if (lb.tlsPort().isPresent() || watch.isPresent()) {
            Signal.handle(new Signal("HUP"), signal -> {
                watch.ifPresent(ConfigWatch::reload);
                lb.reloadCertificates();
            });
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            watch.ifPresent(ConfigWatch::close);
            lb.close();
            stopped.countDown();
        }, "lb-shutdown"));
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        // Netty tracks one buffer in 128 for leaks by default, at the cost of a stack trace each (2 % of the event loops'
        // time under wrk): a debugging aid, on where -Dio.netty.leakDetection.level asks for it (tests that run the load
        // balancer in their own JVM never come through here, and keep the default)
        if (System.getProperty("io.netty.leakDetection.level") == null) ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        // Replicas are reached by hostname, and an engine hands a dead container's address to the next one it starts:
        // with the JVM's 30 s cache, a replica added back under the name of one that died was sent to whatever now had
        // the old address (seen by ComposeAnalysisIT's A-4). Looked up again for each new connection; set before the
        // first lookup, which reads the policy once. The 10 s cache of failed lookups goes too: a fresh container's
        // name may not resolve for its first moments.
        if (System.getProperty("sun.net.inetaddr.ttl") == null) java.security.Security.setProperty("networkaddress.cache.ttl", "0");
        if (System.getProperty("sun.net.inetaddr.negative.ttl") == null) java.security.Security.setProperty("networkaddress.cache.negative.ttl", "0");
        CommandLine cli;
        try {
            cli = commandLine(args);
        } catch (IllegalArgumentException e) {
            System.err.println("lb: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(cli.execute(args));
    }
}

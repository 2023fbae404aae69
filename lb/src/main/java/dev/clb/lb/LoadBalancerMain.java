package dev.clb.lb;

import dev.clb.lb.config.LoadBalancerConfig;
import io.netty.util.ResourceLeakDetector;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Mixin;
import sun.misc.Signal;

@Command(name = "lb", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Consistent-hash load balancer that keeps N replicas alive: GET /rep, POST /add, DELETE /rm, any other path is proxied.")
public final class LoadBalancerMain implements Callable<Integer> {
    @Mixin
    LoadBalancerOptions options = new LoadBalancerOptions();

    /**
     * The command line of the load balancer. A value that picocli cannot convert is refused as {@link #call()} refuses
     * one the configuration does not take: "lb: --flag: why" on standard error, exit code 2, no usage text after it.
     */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new LoadBalancerMain());
        IParameterExceptionHandler picocli = cli.getParameterExceptionHandler();
        cli.setParameterExceptionHandler((e, args) -> {
            Optional<String> refusal = LoadBalancerOptions.refusal(e);
            if (refusal.isEmpty()) return picocli.handleParseException(e, args);
            System.err.println("lb: " + refusal.get());
            return 2;
        });
        return cli;
    }

    @Override
    public Integer call() throws Exception {
        LoadBalancerConfig config;
        try {
            config = options.config();
        } catch (IllegalArgumentException e) {
            System.err.println("lb: " + e.getMessage());
            return 2;
        }
        LoadBalancer lb;
        try {
            lb = LoadBalancer.start(config);
        } catch (IllegalArgumentException e) {
            System.err.println("lb: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            Throwable cause = e;
            while (cause.getCause() != null && cause.getMessage() == null) cause = cause.getCause();
            System.err.println("lb: cannot start: " + cause.getMessage());
            return 1;
        }
        // SIGHUP: read the certificate files again now (they are watched as well), as nginx and HAProxy reload on it;
        // without certificates it keeps the JVM's meaning (stop, draining first)
        if (lb.tlsPort().isPresent()) Signal.handle(new Signal("HUP"), signal -> lb.reloadCertificates());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
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
        System.exit(commandLine().execute(args));
    }
}

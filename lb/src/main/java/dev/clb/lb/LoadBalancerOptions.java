package dev.clb.lb;

import dev.clb.lb.admin.AdminToken;
import dev.clb.lb.config.Balancing;
import dev.clb.lb.config.Cluster;
import dev.clb.lb.config.FixedSettings;
import dev.clb.lb.config.Listen;
import dev.clb.lb.config.LiveSettings;
import dev.clb.lb.config.LoadBalancerConfig;
import dev.clb.lb.config.Management;
import dev.clb.lb.config.RateLimits;
import dev.clb.lb.config.RuntimeChoice;
import dev.clb.lb.config.Tls;
import dev.clb.lb.backend.OutlierDetection;
import dev.clb.lb.edge.ClientLimits;
import dev.clb.lb.edge.RequestRate;
import dev.clb.lb.health.HeartbeatMonitor;
import dev.clb.lb.membership.ManagedMembership;
import dev.clb.lb.membership.StaticMembership;
import dev.clb.lb.membership.StaticMembership.WeightedBackend;
import dev.clb.lb.observability.AccessLog;
import dev.clb.lb.proxy.ForwardedHeaders;
import dev.clb.lb.proxy.ProxySettings;
import dev.clb.lb.server.Transport;
import dev.clb.lb.settings.InvalidSetting;
import dev.clb.lb.tls.CertificateFiles;
import dev.clb.lb.tls.TlsProvider;
import dev.clb.lb.tls.TlsSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/**
 * Every setting of the load balancer; each option has an environment-variable twin. Typed values are converted by
 * picocli (durations in milliseconds, {@code --transport}, {@code --forwarded}), by the domain type's own factory;
 * {@link #config()} then builds the one {@link LoadBalancerConfig}, every value checked once, by the type that holds
 * it, and a refusal passed on naming the option.
 */
public final class LoadBalancerOptions {

    /**
     * The domain value {@code conversion} makes of the value of {@code flag}. A domain type refuses a value in its own
     * words, knowing no flag; the refusal is passed on naming the flag, so that the user sees which option to fix.
     */
    static <T> T converted(String flag, Supplier<T> conversion) {
        return checked(Map.of(), conversion, flag);
    }

    /**
     * The domain value {@code build} makes of several options: a setting it refuses ({@link InvalidSetting}, which names
     * its record component) is passed on under the option that gave it, {@code flags} mapping each component to its option.
     */
    static <T> T checked(Map<String, String> flags, Supplier<T> build) {
        return checked(flags, build, null);
    }

    private static <T> T checked(Map<String, String> flags, Supplier<T> build, String onlyFlag) {
        try {
            return build.get();
        } catch (InvalidSetting e) {
            String flag = onlyFlag != null ? onlyFlag : flags.get(e.setting());
            if (flag == null) throw e;
            throw new IllegalArgumentException(flag + " " + e.rule(), e);
        } catch (IllegalArgumentException e) {
            if (onlyFlag == null) throw e;
            throw new IllegalArgumentException(onlyFlag + ": " + e.getMessage(), e);
        }
    }

    /**
     * How a value picocli could not convert is refused: the option, then the converter's or the domain's reason, as
     * {@link #converted} words it; empty for other parse errors (an unknown option, say), which picocli words itself.
     */
    static Optional<String> refusal(ParameterException e) {
        if (!(e.getArgSpec() instanceof OptionSpec option) || e.getCause() == null) return Optional.empty();
        return Optional.of(option.longestName() + ": " + e.getCause().getMessage());
    }

    /** A whole number of milliseconds, as every duration option is given. */
    static final class Millis implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Duration.ofMillis(Long.parseLong(value.trim()));
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a whole number of milliseconds");
            }
        }
    }

    static final class TransportName implements ITypeConverter<Transport> {
        @Override
        public Transport convert(String value) {
            return Transport.named(value);
        }
    }

    static final class ForwardedName implements ITypeConverter<ForwardedHeaders> {
        @Override
        public ForwardedHeaders convert(String value) {
            return ForwardedHeaders.named(value);
        }
    }

    @Option(names = "--config", defaultValue = "${env:LB_CONFIG}", paramLabel = "<file>",
            description = "Configuration file: YAML (or JSON), one key per option, named as the long option without its dashes "
                    + "(strategy: maglev, backends: [a:80, b:80]); flags and environment variables come before it. Read again on SIGHUP "
                    + "and when it changes: the live settings are applied in one step, a change of what only a restart changes "
                    + "(ports, binds, runtime, transport, TLS, ...) refuses the whole reload (env LB_CONFIG).")
    public Path config;

    @Option(names = "--port", defaultValue = "${env:LB_PORT:-5000}", description = "Port to listen on (env LB_PORT, default ${DEFAULT-VALUE}).")
    public int port;

    @Option(names = "--bind", defaultValue = "${env:LB_BIND:-0.0.0.0}", description = "Address to bind (env LB_BIND, default ${DEFAULT-VALUE}).")
    public String bind;

    @Option(names = "--replicas", defaultValue = "${env:LB_REPLICAS:-3}", description = "Replicas N to start and keep alive (env LB_REPLICAS, default ${DEFAULT-VALUE}).")
    public int replicas;

    @Option(names = "--runtime", defaultValue = "${env:LB_RUNTIME:-auto}",
            description = "Where replicas run: local (child processes), docker (containers), swarm (one Docker Swarm service each, "
                    + "on the overlay --network), static (--backends it does not own), "
                    + "or auto: docker when the Docker socket answers, else local (env LB_RUNTIME, default ${DEFAULT-VALUE}).")
    public String runtime;

    @Option(names = "--strategy", defaultValue = "${env:LB_STRATEGY:-slots}",
            description = "How replicas share the request ids: slots (the assignment's map: --slots, --vnodes, --hash, --probe), "
                    + "ring (--vnodes points per replica on a 64-bit circle), maglev (a --table-size entry Maglev table) "
                    + "(env LB_STRATEGY, default ${DEFAULT-VALUE}).")
    public String strategy;

    @Option(names = "--hash", defaultValue = "${env:LB_HASH:-}",
            description = "Hash functions of the slots strategy: assignment, murmur, fnv (env LB_HASH, default assignment). "
                    + "ring and maglev always hash with murmur (fmix64), since the assignment's H reaches only 87 of 512 values; "
                    + "they accept --hash murmur and refuse any other.")
    public String hash;

    @Option(names = "--probe", defaultValue = "${env:LB_PROBE:-}",
            description = "slots only: probing for colliding virtual servers, linear or quadratic (env LB_PROBE, default linear).")
    public String probe;

    @Option(names = "--slots", defaultValue = "${env:LB_SLOTS:-0}", description = "slots only: slots M in the hash map; 0 means 512 (env LB_SLOTS, default 512).")
    public int slots;

    @Option(names = "--vnodes", defaultValue = "${env:LB_VNODES:-0}",
            description = "slots: virtual servers K per replica; ring: points per replica; 0 means the strategy's default, "
                    + "log2(M) for slots, 160 for ring; maglev refuses it (env LB_VNODES, default ${DEFAULT-VALUE}).")
    public int vnodes;

    @Option(names = "--table-size", defaultValue = "${env:LB_TABLE_SIZE:-0}",
            description = "maglev only: entries in the Maglev table, a prime; 0 means 65537 (env LB_TABLE_SIZE, default 65537).")
    public int tableSize;

    @Option(names = "--bounded-load", defaultValue = "${env:LB_BOUNDED_LOAD:-0}",
            description = "Bounded loads on top of any strategy: a request goes to the first replica in the strategy's fallback "
                    + "order with fewer than ceil(FACTOR x (requests in flight + 1) / N) requests in flight, N the replicas neither ejected "
                    + "nor down; FACTOR > 1, e.g. 1.25; "
                    + "0 turns it off (env LB_BOUNDED_LOAD, default off).")
    public double boundedLoad;

    @Option(names = "--tls-port", defaultValue = "${env:LB_TLS_PORT:-5443}",
            description = "TLS port, open when --tls-cert and --tls-key are given: HTTPS with HTTP/2 and HTTP/1.1 by ALPN (env LB_TLS_PORT, default ${DEFAULT-VALUE}).")
    public int tlsPort;

    @Option(names = "--tls-cert", split = ",", defaultValue = "${env:LB_TLS_CERT}",
            description = "PEM certificate chain, leaf first; repeat (or comma-separate) for several certificates, each with its --tls-key in the same order. "
                    + "The client's SNI name picks the certificate that names it (wildcards too), else the first. The files are watched "
                    + "and reloaded when they change, and on SIGHUP (env LB_TLS_CERT).")
    public List<Path> tlsCerts = new ArrayList<>();

    @Option(names = "--tls-key", split = ",", defaultValue = "${env:LB_TLS_KEY}",
            description = "PEM private key (PKCS#8, PKCS#1 or EC) of the --tls-cert at the same position (env LB_TLS_KEY).")
    public List<Path> tlsKeys = new ArrayList<>();

    @Option(names = "--tls-provider", defaultValue = "${env:LB_TLS_PROVIDER:-auto}",
            description = "Who does the TLS: openssl (BoringSSL, bundled), jdk, or auto, openssl where it loads (env LB_TLS_PROVIDER, default ${DEFAULT-VALUE}).")
    public String tlsProvider;

    @Option(names = "--tls-ticket-keys", defaultValue = "${env:LB_TLS_TICKET_KEYS}",
            description = "File of 48-byte session ticket keys (the first encrypts, all decrypt), shared by instances so that each resumes the "
                    + "others' sessions; openssl provider only; without it BoringSSL makes and rotates its own (env LB_TLS_TICKET_KEYS).")
    public Path tlsTicketKeys;

    @Option(names = "--h2-max-streams", defaultValue = "${env:LB_H2_MAX_STREAMS:-128}",
            description = "Concurrent streams one HTTP/2 client connection may open; more are refused (env LB_H2_MAX_STREAMS, default ${DEFAULT-VALUE}).")
    public int h2MaxStreams;

    @Option(names = "--heartbeat-interval", converter = Millis.class, paramLabel = "<ms>", defaultValue = "${env:LB_HEARTBEAT_INTERVAL_MS:-100}", description = "Milliseconds between heartbeats (env LB_HEARTBEAT_INTERVAL_MS, default ${DEFAULT-VALUE}).")
    public Duration heartbeatInterval;

    @Option(names = "--heartbeat-timeout", converter = Millis.class, paramLabel = "<ms>", defaultValue = "${env:LB_HEARTBEAT_TIMEOUT_MS:-500}", description = "Milliseconds a heartbeat may take (env LB_HEARTBEAT_TIMEOUT_MS, default ${DEFAULT-VALUE}).")
    public Duration heartbeatTimeout;

    @Option(names = "--failure-threshold", defaultValue = "${env:LB_FAILURE_THRESHOLD:-3}",
            description = "Heartbeats missed in a row before a replica counts as failed; a refused connection counts at once (env LB_FAILURE_THRESHOLD, default ${DEFAULT-VALUE}).")
    public int failureThreshold;

    @Option(names = "--standby", defaultValue = "${env:LB_STANDBY:-1}",
            description = "Warm standby replicas kept started, so a failed replica is replaced without waiting for a start-up (env LB_STANDBY, default ${DEFAULT-VALUE}).")
    public int standby;

    @Option(names = "--spawn-timeout", converter = Millis.class, paramLabel = "<ms>", defaultValue = "${env:LB_SPAWN_TIMEOUT_MS:-30000}", description = "Milliseconds a new replica has to answer its first heartbeat (env LB_SPAWN_TIMEOUT_MS, default ${DEFAULT-VALUE}).")
    public Duration spawnTimeout;

    @Option(names = "--proxy-timeout", converter = Millis.class, paramLabel = "<ms>", defaultValue = "${env:LB_PROXY_TIMEOUT_MS:-10000}", description = "Milliseconds one attempt of a proxied request may take before the next replica is tried (env LB_PROXY_TIMEOUT_MS, default ${DEFAULT-VALUE}).")
    public Duration proxyTimeout;

    @Option(names = "--header-timeout", converter = Millis.class, paramLabel = "<ms>", defaultValue = "${env:LB_HEADER_TIMEOUT_MS:-10000}",
            description = "Milliseconds a client has to send a whole request head, from accept or from its first byte; else 408 and close (env LB_HEADER_TIMEOUT_MS, default ${DEFAULT-VALUE}).")
    public Duration headerTimeout;

    @Option(names = "--idle-timeout", converter = Millis.class, paramLabel = "<ms>", defaultValue = "${env:LB_IDLE_TIMEOUT_MS:-60000}",
            description = "Milliseconds a client connection with no request in flight and no bytes arriving stays open (env LB_IDLE_TIMEOUT_MS, default ${DEFAULT-VALUE}).")
    public Duration idleTimeout;

    @Option(names = "--body-timeout", converter = Millis.class, paramLabel = "<ms>", defaultValue = "${env:LB_BODY_TIMEOUT_MS:-60000}",
            description = "Longest gap in milliseconds between two pieces of a request body; then 408 and close (env LB_BODY_TIMEOUT_MS, default ${DEFAULT-VALUE}).")
    public Duration bodyTimeout;

    @Option(names = "--max-connections", defaultValue = "${env:LB_MAX_CONNECTIONS:-10000}",
            description = "Client connections (plain and TLS) and HTTP/2 streams in flight at once; one more connection is answered 503 and closed (TLS: closed), one more stream refused (env LB_MAX_CONNECTIONS, default ${DEFAULT-VALUE}).")
    public int maxConnections;

    @Option(names = "--attempt-deadline-floor", converter = Millis.class, paramLabel = "<ms>", defaultValue = "${env:LB_ATTEMPT_DEADLINE_FLOOR_MS:-200}",
            description = "A first attempt of an idempotent request that gets no answer head within max(this, 4 x the replica's recent p99) "
                    + "milliseconds goes on to the next replica (which gets the full --proxy-timeout) and the replica is checked at once; "
                    + "0 turns it off (env LB_ATTEMPT_DEADLINE_FLOOR_MS, default ${DEFAULT-VALUE}).")
    public Duration attemptDeadlineFloor;

    @Option(names = "--retry-buffer", defaultValue = "${env:LB_RETRY_BUFFER_BYTES:-65536}",
            description = "Request bodies up to this many bytes are kept so that a failed attempt can be retried on the next replica; "
                    + "a larger body streams without a copy and is not retried once it started to flow (env LB_RETRY_BUFFER_BYTES, default ${DEFAULT-VALUE}).")
    public int retryBufferBytes;

    @Option(names = "--forwarded", converter = ForwardedName.class, defaultValue = "${env:LB_FORWARDED:-append}",
            description = "X-Forwarded-For/-Proto/-Host: append (add the client to the list a trusted proxy sent), replace (ignore what "
                    + "the client sent), off (env LB_FORWARDED, default ${DEFAULT-VALUE}).")
    public ForwardedHeaders forwarded;

    @Option(names = "--rate-limit", defaultValue = "${env:LB_RATE_LIMIT:-0}",
            description = "Requests per second each client (an IPv4 address, an IPv6 /64) may send (fractions too: 0.5 is one every 2 s), admin paths included; "
                    + "the excess is answered 429 with Retry-After by the load balancer and never forwarded; 0 turns it off "
                    + "(env LB_RATE_LIMIT, default off).")
    public double rateLimit;

    @Option(names = "--rate-burst", defaultValue = "${env:LB_RATE_BURST:-0}",
            description = "Requests a client may send at once after a quiet spell: the depth of its token bucket, which refills at --rate-limit; "
                    + "0 means one second's worth, the rate rounded up (env LB_RATE_BURST, default that).")
    public int rateBurst;

    @Option(names = "--trusted-proxies", split = ",", defaultValue = "${env:LB_TRUSTED_PROXIES}",
            description = "CIDR networks (or single addresses) of the proxies in front, for --rate-limit: a request from one counts against "
                    + "the nearest address in its X-Forwarded-For, read from the right, that is not trusted itself; from any other "
                    + "peer, against the peer (env LB_TRUSTED_PROXIES, default none).")
    public List<String> trustedProxies = new ArrayList<>();

    @Option(names = "--outlier-5xx", defaultValue = "${env:LB_OUTLIER_5XX:-5}",
            description = "A replica that answers this many requests in a row with a 5xx, or fails them at the gateway (refused, reset, "
                    + "timed out), is ejected from routing for --outlier-ejection; its keys go to the next replica meanwhile; 0 turns it off "
                    + "(env LB_OUTLIER_5XX, default ${DEFAULT-VALUE}).")
    public int outlier5xx;

    @Option(names = "--outlier-ejection", converter = Millis.class, paramLabel = "<ms>", defaultValue = "${env:LB_OUTLIER_EJECTION_MS:-30000}",
            description = "Milliseconds an outlier is ejected for, doubled with each ejection in a row (at most 300000; the doubling starts "
                    + "again once it was fine for this long); a managed replica ejected three times in a row is replaced "
                    + "(env LB_OUTLIER_EJECTION_MS, default ${DEFAULT-VALUE}).")
    public Duration outlierEjection;

    @Option(names = "--outlier-max-percent", defaultValue = "${env:LB_OUTLIER_MAX_PERCENT:-50}",
            description = "The most replicas, in percent, that may be ejected at once; one always stays (env LB_OUTLIER_MAX_PERCENT, default ${DEFAULT-VALUE}).")
    public int outlierMaxPercent;

    @Option(names = "--slow-start", converter = Millis.class, paramLabel = "<ms>", defaultValue = "${env:LB_SLOW_START_MS:-0}",
            description = "Milliseconds over which a new or replacement replica takes on its keys: those whose hash is below the elapsed "
                    + "fraction of the window, the rest going to the next replica in fallback order meanwhile, so that each key moves once "
                    + "and a fresh JVM is not handed its whole share while it compiles; replicas present at start are not slow-started; "
                    + "0 turns it off, at most 3600000 (env LB_SLOW_START_MS, default ${DEFAULT-VALUE}).")
    public Duration slowStart;

    @Option(names = "--tunnel-idle-timeout", converter = Millis.class, paramLabel = "<ms>", defaultValue = "${env:LB_TUNNEL_IDLE_TIMEOUT_MS:-300000}",
            description = "Milliseconds an upgraded connection (WebSocket) may carry nothing either way before both ends are closed "
                    + "(env LB_TUNNEL_IDLE_TIMEOUT_MS, default ${DEFAULT-VALUE}).")
    public Duration tunnelIdleTimeout;

    @Option(names = "--management-port", defaultValue = "${env:LB_MANAGEMENT_PORT:-9901}",
            description = "Port of the management server (/ring, /metrics, /dashboard); 0 picks a free one, -1 turns it off (env LB_MANAGEMENT_PORT, default ${DEFAULT-VALUE}).")
    public int managementPort;

    @Option(names = "--management-bind", defaultValue = "${env:LB_MANAGEMENT_BIND:-127.0.0.1}",
            description = "Address of the management server; keep it off public interfaces (env LB_MANAGEMENT_BIND, default ${DEFAULT-VALUE}).")
    public String managementBind;

    @Option(names = "--drain-timeout", converter = Millis.class, paramLabel = "<ms>", defaultValue = "${env:LB_DRAIN_TIMEOUT_MS:-10000}",
            description = "Milliseconds that requests in flight get to finish when a replica is removed, and that the open client connections "
                    + "get to be answered and closed when the load balancer stops (env LB_DRAIN_TIMEOUT_MS, default ${DEFAULT-VALUE}).")
    public Duration drainTimeout;

    @Option(names = "--admin-token", defaultValue = "${env:LB_ADMIN_TOKEN:-}",
            description = "Bearer token that POST /add and DELETE /rm require (Authorization: Bearer <token>); /rep stays open. "
                    + "Prefer the environment variable, which process listings do not show (env LB_ADMIN_TOKEN, default none: admin open).")
    public String adminToken;

    @Option(names = "--metrics-retention", converter = Millis.class, paramLabel = "<ms>", defaultValue = "${env:LB_METRICS_RETENTION_MS:-120000}",
            description = "Milliseconds the per-replica series of /metrics stay after the replica left the ring and its last request ended, "
                    + "so that scrapes see its final counts; then they are removed (env LB_METRICS_RETENTION_MS, default ${DEFAULT-VALUE}).")
    public Duration metricsRetention;

    @Option(names = "--access-log", defaultValue = "${env:LB_ACCESS_LOG:-stdout}",
            description = "Where to log one line per client request: stdout, off, or a file to append to (env LB_ACCESS_LOG, default ${DEFAULT-VALUE}).")
    public String accessLog;

    @Option(names = "--io-threads", defaultValue = "${env:LB_IO_THREADS:-0}", description = "Event loops serving the proxy; 0 means one per core (env LB_IO_THREADS, default ${DEFAULT-VALUE}).")
    public int ioThreads;

    @Option(names = "--transport", converter = TransportName.class, defaultValue = "${env:LB_TRANSPORT:-auto}",
            description = "How the event loops do their I/O: io_uring, epoll, nio, or auto, the first of them that works here "
                    + "(env LB_TRANSPORT, default ${DEFAULT-VALUE}).")
    public Transport transport;

    @Option(names = "--replica-jar", defaultValue = "${env:LB_REPLICA_JAR:-replica/target/replica.jar}", description = "Replica jar for the local runtime (env LB_REPLICA_JAR, default ${DEFAULT-VALUE}).")
    public Path replicaJar;

    @Option(names = "--replica-jvm-opts", defaultValue = "${env:LB_REPLICA_JVM_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx96m -Xss512k}",
            description = "JVM options of local replica processes (env LB_REPLICA_JVM_OPTS, default ${DEFAULT-VALUE}).")
    public String replicaJvmOpts;

    @Option(names = "--replica-env", split = ",", defaultValue = "${env:LB_REPLICA_ENV}",
            description = "KEY=VALUE list added to the environment of every replica the load balancer starts, local or docker (env LB_REPLICA_ENV).")
    public List<String> replicaEnv = new ArrayList<>();

    @Option(names = "--backends", split = ",", defaultValue = "${env:LB_BACKENDS}", description = "host:port[=W] list for the static runtime. W, a weight from 1 to 256 (default 1), gives the backend "
                    + "W / (sum of the weights) of the request ids; ring and maglev only, slots refuses it (env LB_BACKENDS).")
    public List<String> backends = new ArrayList<>();

    @Option(names = "--image", defaultValue = "${env:LB_REPLICA_IMAGE:-lb-replica:latest}", description = "Replica image for the docker and swarm runtimes (env LB_REPLICA_IMAGE, default ${DEFAULT-VALUE}).")
    public String image;

    @Option(names = "--network", defaultValue = "${env:LB_NETWORK:-net1}", description = "Docker network of the replicas, an attachable overlay for swarm (env LB_NETWORK, default ${DEFAULT-VALUE}).")
    public String network;

    @Option(names = "--container-prefix", defaultValue = "${env:LB_CONTAINER_PREFIX:-}",
            description = "Prefix of replica container names (swarm: service names), so that several load balancers can share one engine; the hostname stays unprefixed (env LB_CONTAINER_PREFIX, default none).")
    public String containerPrefix;

    @Option(names = "--owner", defaultValue = "${env:LB_OWNER:-lb}",
            description = "Label value that marks this load balancer's containers and services; at start it adopts the running ones with it and removes the rest (env LB_OWNER, default ${DEFAULT-VALUE}).")
    public String owner;

    @Option(names = "--keep-replicas", defaultValue = "${env:LB_KEEP_REPLICAS:-false}", fallbackValue = "true", arity = "0..1",
            description = "Leave the replica containers or services running when the load balancer stops, for the next one with the same "
                    + "--owner to adopt; docker-stack.yml sets it, so that a restarted load balancer service moves no key "
                    + "(env LB_KEEP_REPLICAS, default ${DEFAULT-VALUE}).")
    public boolean keepReplicas;

    @Option(names = "--replica-address", defaultValue = "${env:LB_REPLICA_ADDRESS:-hostname}",
            description = "How the docker runtime reaches its replicas: hostname (resolved on their network, where the load balancer runs "
                    + "in a container) or ip (their address on the network, for a load balancer on the host) (env LB_REPLICA_ADDRESS, default ${DEFAULT-VALUE}).")
    public String replicaAddress;

    @Option(names = "--cluster-etcd", split = ",", defaultValue = "${env:LB_CLUSTER_ETCD}",
            description = "Cluster mode: etcd endpoints (http://host:port,...) where several load-balancer instances keep one membership, "
                    + "elect the one that changes it and all route alike; needs the docker or swarm runtime (env LB_CLUSTER_ETCD, default none: one instance).")
    public List<String> clusterEtcd = new ArrayList<>();

    @Option(names = "--cluster-name", defaultValue = "${env:LB_CLUSTER_NAME:-clb}",
            description = "The cluster's name, its key prefix in etcd (env LB_CLUSTER_NAME, default ${DEFAULT-VALUE}).")
    public String clusterName;

    @Option(names = "--instance-id", defaultValue = "${env:LB_INSTANCE_ID:-}",
            description = "This instance's id in the cluster (env LB_INSTANCE_ID, default the hostname).")
    public String instanceId;

    @Option(names = "--cluster-lease", defaultValue = "${env:LB_CLUSTER_LEASE:-3}",
            description = "Seconds the leader's lease lasts without renewal (renewed every third): a dead leader is replaced after at most "
                    + "this long (env LB_CLUSTER_LEASE, default ${DEFAULT-VALUE}).")
    public int clusterLease;

    @Option(names = "--cluster-advertise", defaultValue = "${env:LB_CLUSTER_ADVERTISE:-}",
            description = "host:port at which the other instances reach this one's public port, to pass /add and /rm on to it while it "
                    + "leads (env LB_CLUSTER_ADVERTISE, default <instance id>:<port>).")
    public String clusterAdvertise;

    @Option(names = "--docker-host", defaultValue = "${env:DOCKER_HOST:-unix:///var/run/docker.sock}", description = "Docker engine to use (env DOCKER_HOST, default ${DEFAULT-VALUE}).")
    public String dockerHost;

    /**
     * The configuration these options give, every value checked once by the type that holds it; a refused value is an
     * IllegalArgumentException that names its option. Nothing is started: {@code --runtime auto} asks the Docker
     * engine whether it answers, and files named (the replica jar, the access log's directory) are looked for.
     */
    public LoadBalancerConfig config() {
        Balancing balancing = StrategyOptions.balancing(this);
        HeartbeatMonitor.Settings heartbeat = checked(Map.of("interval", "--heartbeat-interval", "timeout", "--heartbeat-timeout",
                "threshold", "--failure-threshold"), () -> new HeartbeatMonitor.Settings(heartbeatInterval, heartbeatTimeout, failureThreshold));
        ClientLimits clients = checked(Map.of("headerTimeoutMillis", "--header-timeout", "idleTimeoutMillis", "--idle-timeout",
                        "bodyTimeoutMillis", "--body-timeout", "maxConnections", "--max-connections", "maxStreams", "--h2-max-streams"),
                () -> new ClientLimits(headerTimeout.toMillis(), idleTimeout.toMillis(), bodyTimeout.toMillis(), maxConnections, h2MaxStreams));
        ProxySettings proxy = checked(Map.of("retryBufferBytes", "--retry-buffer", "tunnelIdleMillis", "--tunnel-idle-timeout",
                        "attemptDeadlineFloorMillis", "--attempt-deadline-floor"),
                () -> new ProxySettings(retryBufferBytes, forwarded, tunnelIdleTimeout.toMillis(), attemptDeadlineFloor.toMillis()));
        OutlierDetection.Settings outliers = checked(Map.of("consecutive5xx", "--outlier-5xx", "ejection", "--outlier-ejection",
                "maxPercent", "--outlier-max-percent"), () -> new OutlierDetection.Settings(outlier5xx, outlierEjection, outlierMaxPercent));
        Optional<AccessLog.Destination> log = converted("--access-log", () -> AccessLog.Destination.named(accessLog));
        RuntimeChoice runtimeChoice = RuntimeOptions.runtime(this);
        Optional<Cluster> cluster = cluster(runtimeChoice);
        List<WeightedBackend> staticBackends = runtimeChoice instanceof RuntimeChoice.Static
                ? converted("--backends", () -> StaticMembership.fitting(balancing.strategy(),
                        StaticMembership.backends(backends == null ? List.of() : backends)))
                : List.of();
        Optional<RequestRate> rate = RateLimitOptions.rate(this);
        RateLimits rateLimits = new RateLimits(rate, RateLimitOptions.trustedProxies(this, rate));
        LiveSettings live = checked(Map.of("slowStart", "--slow-start"),
                () -> new LiveSettings(balancing, heartbeat, clients, proxyTimeout, proxy, outliers, slowStart, rateLimits, log, staticBackends));

        Listen listen = checked(Map.of("ioThreads", "--io-threads"), () -> new Listen(bind, port, ioThreads, transport));
        ManagedMembership.Settings membership = checked(Map.of("standbys", "--standby", "spawnTimeout", "--spawn-timeout",
                "drainTimeout", "--drain-timeout"), () -> new ManagedMembership.Settings(standby, spawnTimeout, drainTimeout));
        Optional<Management> management = managementPort < 0 ? Optional.empty() : Optional.of(new Management(managementBind, managementPort));
        Optional<Tls> tls = tls();
        FixedSettings fixed = checked(Map.of("replicas", "--replicas", "metricsRetention", "--metrics-retention", "tlsPort", "--tls-port"),
                () -> new FixedSettings(listen, tls, management, runtimeChoice, replicas, membership, metricsRetention, AdminToken.of(adminToken), cluster));
        return checked(Map.of("replicas", "--replicas"), () -> new LoadBalancerConfig(fixed, live));
    }

    /** Cluster mode when etcd endpoints are given; refused on a runtime whose replicas die with the instance. */
    private Optional<Cluster> cluster(RuntimeChoice runtimeChoice) {
        List<String> endpoints = clusterEtcd == null ? List.of() : clusterEtcd.stream().filter(e -> !e.isBlank()).toList();
        if (endpoints.isEmpty()) return Optional.empty();
        if (!(runtimeChoice instanceof RuntimeChoice.Docker || runtimeChoice instanceof RuntimeChoice.Swarm)) {
            throw new IllegalArgumentException("--cluster-etcd: cluster mode needs replicas that outlive any one instance, on --runtime docker or "
                    + "swarm; the " + runtimeChoice.name() + " runtime's replicas " + (runtimeChoice instanceof RuntimeChoice.Local
                    ? "are the instance's child processes and die with it" : "are not the instances' to start or replace"));
        }
        String id = instanceId == null || instanceId.isBlank() ? localHostname() : instanceId;
        String advertise = clusterAdvertise == null || clusterAdvertise.isBlank() ? id + ":" + port : clusterAdvertise;
        return Optional.of(checked(Map.of("etcd", "--cluster-etcd", "name", "--cluster-name", "instanceId", "--instance-id",
                "lease", "--cluster-lease", "advertise", "--cluster-advertise"),
                () -> new Cluster(endpoints, clusterName, id, Duration.ofSeconds(clusterLease), advertise)));
    }

    private static String localHostname() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("--instance-id: this machine's hostname is unknown (" + e.getMessage() + "): give an id");
        }
    }

    /** The TLS port when certificates are given; a certificate without its key (or the reverse) is refused. */
    private Optional<Tls> tls() {
        List<Path> certs = nonBlank(tlsCerts);
        List<Path> keys = nonBlank(tlsKeys);
        if (certs.size() != keys.size()) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go in pairs: " + certs.size() + " certificates, " + keys.size() + " keys");
        }
        if (certs.isEmpty()) return Optional.empty();
        TlsProvider provider = converted("--tls-provider", () -> TlsProvider.named(tlsProvider));
        Optional<Path> ticketKeys = Optional.ofNullable(tlsTicketKeys).filter(path -> !path.toString().isBlank());
        List<CertificateFiles> pairs = new ArrayList<>();
        for (int i = 0; i < certs.size(); i++) pairs.add(new CertificateFiles(certs.get(i), keys.get(i)));
        TlsSettings settings = checked(Map.of("ticketKeys", "--tls-ticket-keys"), () -> new TlsSettings(pairs, provider, ticketKeys));
        return Optional.of(checked(Map.of("port", "--tls-port"), () -> new Tls(tlsPort, settings)));
    }

    /** An empty LB_TLS_CERT (as compose passes an unset one) is no file. */
    private static List<Path> nonBlank(List<Path> paths) {
        return paths == null ? List.of() : paths.stream().filter(path -> !path.toString().isBlank()).toList();
    }
}

#!/usr/bin/env bash
# Per-client rate limits under load (issue 22's target), against three nginx backends on 127.0.0.2-4:BACKEND_PORT:
#  1. fairness: one client (127.0.0.11) at 5 x RATE beside four (127.0.0.12-15) at 0.8 x RATE for SECONDS, each a
#     paced keep-alive connection (bench/RateLimitLoad.java), ROUNDS times with the limit off and on, one after the
#     other (MODES="off idle on" adds runs with a limit of 1000000/s, which refuses nothing: the check's cost apart
#     from the refusals'); reports each client's counts, the four's latency percentiles (from when each request was due), the heavy
#     client's refusals beside the expected number (what it sent less RATE x SECONDS less the burst) and
#     lb_rate_limited_total;
#  2. memory: the load balancer's RSS (and the heap's rate-limit objects, from a class histogram) before and after
#     FLOOD requests each from a distinct client address (X-Forwarded-For through the trusted 127.0.0.1), then FLOOD more.
# The 1-minute load average is printed beside each step. Writes bench/results/ratelimit.txt. Loopback only; stops
# only what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-200}
SECONDS_RUN=${SECONDS_RUN:-10}
ROUNDS=${ROUNDS:-2}
FLOOD=${FLOOD:-100000}
MODES=${MODES:-off on}
PORT=${PORT:-18300}
MANAGEMENT_PORT=${MANAGEMENT_PORT:-18301}
BACKEND_PORT=${BACKEND_PORT:-18310}
LB_JVM_OPTS=${LB_JVM_OPTS:--Xmx256m -XX:+UseParallelGC}
OUT=${OUT:-bench/results/ratelimit.txt}

source bench/lib.sh
install_missing nginx:nginx curl:curl
[[ -f lb/target/lb.jar ]] || { echo "run 'make build' first" >&2; exit 1; }
refuse_taken "127.0.0.1:$PORT" "127.0.0.1:$MANAGEMENT_PORT" "127.0.0.2:$BACKEND_PORT" "127.0.0.3:$BACKEND_PORT" "127.0.0.4:$BACKEND_PORT"

work=$(mktemp -d)
pids=()
lb_pid=
stop_lb() {
    if [[ -n $lb_pid ]]; then kill "$lb_pid" 2>/dev/null || true; wait "$lb_pid" 2>/dev/null || true; lb_pid=; fi
}
cleanup() { stop_lb; stop_started; rm -rf "$work"; }
trap cleanup EXIT

# three nginx backends answering /home as replicas do (start_backends' port, 5000, may be another bench's)
{
    echo "worker_processes 2; daemon off; pid $work/backends.pid; error_log $work/backends.err warn;"
    echo "events { worker_connections 4096; } http { access_log off; keepalive_requests 10000000;"
    for n in 2 3 4; do
        echo "  server { listen 127.0.0.$n:$BACKEND_PORT; location = /home { default_type application/json; return 200 '{\"message\": \"Hello from Server: server-$n\", \"status\": \"successful\"}'; } location = /heartbeat { return 200 ''; } }"
    done
    echo "}"
} > "$work/backends.conf"
nginx -p "$work" -c "$work/backends.conf" & pids+=($!)
for n in 2 3 4; do await_http "http://127.0.0.$n:$BACKEND_PORT/heartbeat"; done
javac -d "$work/classes" bench/RateLimitLoad.java
load() { java -cp "$work/classes" RateLimitLoad "$@"; }
loadavg() { cut -d' ' -f1 /proc/loadavg; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$lb_pid/status"; }
refused_total() { curl -sf "http://127.0.0.1:$MANAGEMENT_PORT/metrics" | awk '/^lb_rate_limited_total/ { print $2 }'; }
# the heap's instances of what a client bucket is made of, after a full GC (the histogram forces one)
histogram() {
    jcmd "$lb_pid" GC.class_histogram | awk '/caffeine.cache.(PS|SS)|ConcurrentHashMap\$Node |atomic.AtomicLong |java.net.Inet4Address |InetAddress\$InetAddressHolder |caffeine.cache.FrequencySketch/ { print "    " $0 }'
}

# start_lb ARG...: the load balancer on $PORT in front of the three backends, with ARG added
start_lb() {
    # shellcheck disable=SC2086  # LB_JVM_OPTS: several options
    java $LB_JVM_OPTS -jar lb/target/lb.jar --runtime static --backends 127.0.0.2:$BACKEND_PORT,127.0.0.3:$BACKEND_PORT,127.0.0.4:$BACKEND_PORT \
        --port "$PORT" --bind 127.0.0.1 --management-port "$MANAGEMENT_PORT" --access-log off "$@" >"$work/lb.log" 2>&1 &
    lb_pid=$!
    for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/home" && break; sleep 0.1; done
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/home" || { cat "$work/lb.log" >&2; exit 1; }
    load fair "$PORT" 3 "$RATE" >/dev/null # warm-up: the JIT, the pools
}

{
    echo "# rate-limit bench, $(date -u +%FT%TZ), $(nproc) cores, RATE=$RATE/s per client (burst $RATE), ${SECONDS_RUN}s runs, commit $(git rev-parse --short HEAD)"
    for round in $(seq 1 "$ROUNDS"); do
        for limit in $MODES; do
            case $limit in
                on) start_lb --rate-limit "$RATE" ;;
                idle) start_lb --rate-limit 1000000 ;;
                *) start_lb ;;
            esac
            before=$(refused_total)
            echo "## round $round, limit $limit, load average before $(loadavg)"
            load fair "$PORT" "$SECONDS_RUN" "$RATE" | tee "$work/fair.csv"
            if [[ $limit == on ]]; then
                sent=$(awk -F, '$1 == "127.0.0.11" { print $3 }' "$work/fair.csv")
                refused=$(awk -F, '$1 == "127.0.0.11" { print $5 }' "$work/fair.csv")
                awk -v s="$sent" -v r="$refused" -v rate="$RATE" -v t="$SECONDS_RUN" -v m="$(refused_total)" -v b="$before" 'BEGIN {
                    e = s - rate * t - rate
                    printf "heavy client: sent %d, refused %d, expected %d (sent - rate x seconds - burst): %+.2f %%; lb_rate_limited_total +%d\n", s, r, e, 100 * (r - e) / e, m - b }'
            fi
            echo "load average after $(loadavg)"
            stop_lb
        done
    done

    ((FLOOD > 0)) || exit 0
    echo "## memory: $FLOOD distinct client addresses, twice (--rate-limit $RATE --trusted-proxies 127.0.0.1)"
    start_lb --rate-limit "$RATE" --trusted-proxies 127.0.0.1
    load flood "$PORT" 5000 "$((2 * FLOOD))" >/dev/null # warm-up of the path with X-Forwarded-For: 5000 other addresses
    echo "load average $(loadavg); RSS before: $(rss_kib) KiB; heap histogram:"
    histogram
    load flood "$PORT" "$FLOOD" 0
    echo "RSS after $FLOOD distinct: $(rss_kib) KiB; heap histogram:"
    histogram
    load flood "$PORT" "$FLOOD" "$FLOOD"
    echo "RSS after $((2 * FLOOD)) distinct: $(rss_kib) KiB, load average $(loadavg); heap histogram:"
    histogram
    stop_lb # the block runs in a subshell (the pipe to tee): the trap does not see its lb_pid
} | tee "$OUT"

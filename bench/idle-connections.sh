#!/usr/bin/env bash
# What idle client connections cost the load balancer: one nginx backend on loopback, this load balancer in front of it
# (--runtime static, --access-log off, --max-connections and --idle-timeout raised for the test), then for each count in
# COUNTS that many client connections opened, each carrying one request (keep-alive) and then held idle for HOLD
# seconds. Before and while they are held: the load balancer's resident memory (VmRSS), its live heap after a full
# collection (jcmd GC.run, GC.heap_info) and the native memory it reserved outside the heap (NMT's "Other": Netty's
# direct buffers), each over the count: bytes per idle connection. The clients are python processes of at most
# PER_CLIENT connections each (the open-files limit is per process); the hard limit of open files bounds the counts
# (the load balancer holds one descriptor per connection). Then the same for idle replica connections: wrk with
# REPLICA_LOAD connections for 3 s, after which the connections the load balancer opened to the backend stay in its
# pools (at most 256 per replica and event loop), counted with ss.
# Usage: bench/idle-connections.sh [LB_OPTION...]; LB_JAR,
# LB_JVM_OPTS, COUNTS ("5000 19000"), HOLD (5), PER_CLIENT (10000), REPLICA_LOAD (512), HISTOGRAM_TOP (0: the N classes of the heap
# that grew most per connection, on stderr). Loopback only; stops only what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

LB_JAR=${LB_JAR:-lb/target/lb.jar}
LB_JAVA=${LB_JAVA:-java}
LB_JVM_OPTS=${LB_JVM_OPTS:--Xmx256m -XX:+UseParallelGC}
COUNTS=${COUNTS-5000 19000}
HOLD=${HOLD:-5}
PER_CLIENT=${PER_CLIENT:-10000}
REPLICA_LOAD=${REPLICA_LOAD:-512}
HISTOGRAM_TOP=${HISTOGRAM_TOP:-0}
BACKEND=127.0.0.1:18290
PORT=18291
MANAGEMENT=18292

source bench/lib.sh
[[ -f $LB_JAR ]] || { echo "$LB_JAR missing: run 'make build' first" >&2; exit 1; }
JAVA_BIN=$(dirname "$(readlink -f "$(command -v "$LB_JAVA")")")
ulimit -n "$(ulimit -Hn)"
for count in $COUNTS; do
    ((count + 200 <= $(ulimit -n))) || { echo "$count connections need more open files than the hard limit here ($(ulimit -Hn))" >&2; exit 1; }
done
refuse_taken "$BACKEND" 127.0.0.1:$PORT 127.0.0.1:$MANAGEMENT

work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
    stop_started
    rm -rf "$work"
}
trap cleanup EXIT

# holds COUNT connections to PORT, each after one request answered; touches READY when they are all open (or
# "failed N" in it), closes them all when STOP appears
cat > "$work/idle.py" <<'PY'
import socket, sys, os, time
port, count, ready, stop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
held, failed = [], 0
request = b"GET /home HTTP/1.1\r\nHost: lb\r\nX-Request-ID: 424242\r\n\r\n"
for start in range(0, count, 200):
    batch = []
    for _ in range(min(200, count - start)):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(request)
            batch.append(s)
        except OSError:
            failed += 1
    for s in batch:
        try:
            answer = b""
            while b"successful" not in answer:
                piece = s.recv(4096)
                if not piece: raise OSError("closed")
                answer += piece
            held.append(s)
        except OSError:
            failed += 1
            s.close()
with open(ready, "w") as f: f.write(f"{len(held)} {failed}\n")
while not os.path.exists(stop): time.sleep(0.2)
PY

start_one_backend "$BACKEND"
await_http "http://$BACKEND/heartbeat"
# shellcheck disable=SC2086  # LB_JVM_OPTS: several options
$LB_JAVA $LB_JVM_OPTS -XX:NativeMemoryTracking=summary -jar "$LB_JAR" --runtime static --bind 127.0.0.1 --port $PORT \
    --management-port $MANAGEMENT --backends "$BACKEND" --access-log off --max-connections 100000 --idle-timeout 600000 "$@" \
    > "$work/lb.log" 2>&1 &
lb_pid=$!
pids+=("$lb_pid")
await_http "http://127.0.0.1:$PORT/home"
# a short warm-up, so that what the first requests load and compile is in the figure before
wrk -t1 -c16 -d3s "http://127.0.0.1:$PORT/home" > /dev/null

rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$lb_pid/status"; }
heap_kib() {  # the heap in use right after a full collection
    "$JAVA_BIN/jcmd" "$lb_pid" GC.run > /dev/null
    "$JAVA_BIN/jcmd" "$lb_pid" GC.heap_info | awk '/total [0-9]+K, used [0-9]+K/ { for (i = 1; i < NF; i++) if ($i == "used") { v = $(i + 1); sub(/K.*/, "", v); t += v } }
        END { print t + 0 }'
}
other_kib() { "$JAVA_BIN/jcmd" "$lb_pid" VM.native_memory summary | awk '/^-  *Other \(reserved=/ { v = $3; sub(/.*reserved=/, "", v); sub(/KB.*/, "", v); print v }'; }
fds() { find "/proc/$lb_pid/fd" -mindepth 1 -maxdepth 1 | wc -l; }

echo "$(date -u +%Y-%m-%dT%H:%MZ), $(sed -n 's/.* standby, \(.*\) I\/O.*/\1/p' "$work/lb.log" | head -1), $LB_JVM_OPTS, lb options: $*"
echo "| idle connections | held | RSS MiB before → with | RSS KiB/connection | live heap MiB before → with | heap KiB/connection | NMT Other MiB before → with | Other KiB/connection |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for count in $COUNTS; do
    sleep 2
    rss0=$(rss_kib); heap0=$(heap_kib); other0=$(other_kib); rss0=$(rss_kib)
    "$JAVA_BIN/jcmd" "$lb_pid" GC.class_histogram > "$work/histogram.0"
    clients=() left=$count n=0
    rm -f "$work"/ready.* "$work/stop"
    while ((left > 0)); do
        take=$((left < PER_CLIENT ? left : PER_CLIENT))
        python3 "$work/idle.py" $PORT $take "$work/ready.$n" "$work/stop" & clients+=($!) pids+=($!)
        left=$((left - take)) n=$((n + 1))
    done
    for _ in $(seq 1 1200); do (($(find "$work" -name 'ready.*' | wc -l) == n)) && break; sleep 0.1; done
    sleep "$HOLD"
    rss1=$(rss_kib); heap1=$(heap_kib); other1=$(other_kib); rss1=$(rss_kib)
    "$JAVA_BIN/jcmd" "$lb_pid" GC.class_histogram > "$work/histogram.$count"
    held=$(cat "$work"/ready.* | awk '{ h += $1; f += $2 } END { print h + 0 }')
    open=$(($(fds)))
    touch "$work/stop"
    for pid in "${clients[@]}"; do wait "$pid" || true; done
    awk -v c="$count" -v h="$held" -v r0="$rss0" -v r1="$rss1" -v h0="$heap0" -v h1="$heap1" -v o0="$other0" -v o1="$other1" -v fd="$open" \
        'BEGIN { n = h > 0 ? h : 1
                 printf "| %d | %d (%d descriptors) | %.0f → %.0f | %.1f | %.1f → %.1f | %.2f | %.1f → %.1f | %.2f |\n", c, h, fd,
                        r0 / 1024, r1 / 1024, (r1 - r0) / n, h0 / 1024, h1 / 1024, (h1 - h0) / n, o0 / 1024, o1 / 1024, (o1 - o0) / n }'
    # what the heap holds per connection: the classes that grew most between the histograms before and with them
    if ((HISTOGRAM_TOP > 0)); then
        awk -v n="$held" 'FNR == NR && $1 ~ /^[0-9]+:$/ { before[$4] = $3; next }
            $1 ~ /^[0-9]+:$/ { d = $3 - before[$4]; if (d > 0) printf "%d %.2f %s\n", d, d / (n > 0 ? n : 1), $4 }' \
            "$work/histogram.0" "$work/histogram.$count" | sort -rn | awk -v c="$count" -v top="$HISTOGRAM_TOP" \
            'NR <= top { printf "  %d connections: %8.1f bytes/connection  %s\n", c, $2, $3 }' >&2
    fi
done

sleep 2
rss0=$(rss_kib); heap0=$(heap_kib); other0=$(other_kib); rss0=$(rss_kib)
pooled0=$(ss -Htn state established dst "$BACKEND" | wc -l)
wrk -t2 -c"$REPLICA_LOAD" -d3s "http://127.0.0.1:$PORT/home" > /dev/null
sleep 3
rss1=$(rss_kib); heap1=$(heap_kib); other1=$(other_kib); rss1=$(rss_kib)
pooled=$(($(ss -Htn state established dst "$BACKEND" | wc -l) - pooled0))
echo
echo "| idle replica connections | RSS MiB before → with | RSS KiB/connection | live heap MiB before → with | heap KiB/connection | NMT Other MiB before → with | Other KiB/connection |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
awk -v h="$pooled" -v r0="$rss0" -v r1="$rss1" -v h0="$heap0" -v h1="$heap1" -v o0="$other0" -v o1="$other1" \
    'BEGIN { n = h > 0 ? h : 1
             printf "| %d (after wrk -c'"$REPLICA_LOAD"') | %.0f → %.0f | %.1f | %.1f → %.1f | %.2f | %.1f → %.1f | %.2f |\n", h,
                    r0 / 1024, r1 / 1024, (r1 - r0) / n, h0 / 1024, h1 / 1024, (h1 - h0) / n, o0 / 1024, o1 / 1024, (o1 - o0) / n }'

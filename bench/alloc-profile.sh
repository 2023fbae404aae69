#!/usr/bin/env bash
# Allocation per request on the proxy path: one nginx backend on loopback answering the replica's /home JSON, this
# load balancer in front of it (--runtime static, --access-log off, as lb-nolog in proxy-bench.sh), wrk -c64 for
# WARMUP, then a JFR recording (settings=profile) over DURATION more of it. Prints the bytes the event loops allocated
# (jdk.ThreadAllocationStatistics at the recording's start and end, threads multiThreadIoEventLoopGroup-*) divided by
# the requests wrk made, and where they went: the sampled allocations (jdk.ObjectAllocationSample, weighted) by class
# and by the first frame outside java.*, io.netty.util.* and io.netty.buffer.*. Bytes per request depend on the code,
# not on how busy the machine is, so this runs on a shared machine too (the requests/s it prints do not).
# Usage: bench/alloc-profile.sh [LB_OPTION...]; LB_JAR (lb/target/lb.jar), LB_JVM_OPTS, DURATION (15s), WARMUP (20s),
# CONNECTIONS (64), OUT (a file for the report; stdout only when empty), KEEP_JFR (a path to keep the recording).
# Loopback only; stops only what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

LB_JAR=${LB_JAR:-lb/target/lb.jar}
LB_JAVA=${LB_JAVA:-java}
LB_JVM_OPTS=${LB_JVM_OPTS:--Xmx256m -XX:+UseParallelGC}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-20s}
CONNECTIONS=${CONNECTIONS:-64}
BACKEND=127.0.0.1:18190
PORT=18191
MANAGEMENT=18192
OUT=${OUT:-}

source bench/lib.sh
[[ -f $LB_JAR ]] || { echo "$LB_JAR missing: run 'make build' first" >&2; exit 1; }
JAVA_BIN=$(dirname "$(readlink -f "$(command -v "$LB_JAVA")")")
for tool in wrk nginx "$JAVA_BIN/jcmd" "$JAVA_BIN/jfr"; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
refuse_taken "$BACKEND" 127.0.0.1:$PORT 127.0.0.1:$MANAGEMENT

work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
    stop_started
    rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/request.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  local id = 100000 + (n * 7919) % 900000
  return wrk.format("GET", "/home?id=" .. id, {["X-Request-ID"] = tostring(id)})
end
LUA
start_one_backend "$BACKEND"
await_http "http://$BACKEND/heartbeat"
# shellcheck disable=SC2086  # LB_JVM_OPTS: several options
$LB_JAVA $LB_JVM_OPTS -jar "$LB_JAR" --runtime static --bind 127.0.0.1 --port $PORT --management-port $MANAGEMENT \
    --backends "$BACKEND" --access-log off "$@" > "$work/lb.log" 2>&1 &
lb_pid=$!
pids+=("$lb_pid")
await_http "http://127.0.0.1:$PORT/home"

wrk -t2 -c"$CONNECTIONS" -d"$WARMUP" -s "$work/request.lua" "http://127.0.0.1:$PORT" > /dev/null
"$JAVA_BIN/jcmd" "$lb_pid" JFR.start name=alloc settings=profile > /dev/null
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$work/request.lua" "http://127.0.0.1:$PORT" > "$work/wrk.txt"
"$JAVA_BIN/jcmd" "$lb_pid" JFR.stop name=alloc filename="$work/alloc.jfr" > /dev/null
[[ -n ${KEEP_JFR:-} ]] && cp "$work/alloc.jfr" "$KEEP_JFR"
requests=$(awk '/requests in/ { print $1 }' "$work/wrk.txt")
rps=$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk.txt")
errors=$(wrk_errors < "$work/wrk.txt")
"$JAVA_BIN/jfr" print --json --events jdk.ThreadAllocationStatistics "$work/alloc.jfr" > "$work/threads.json"
"$JAVA_BIN/jfr" print --json --stack-depth 64 --events jdk.ObjectAllocationSample "$work/alloc.jfr" > "$work/samples.json"
"$JAVA_BIN/jfr" summary "$work/alloc.jfr" | awk '$1 == "jdk.GarbageCollection" { print $2 }' > "$work/gcs"

report=$(python3 - "$work/threads.json" "$work/samples.json" "$requests" "$rps" "$errors" "$(cat "$work/gcs")" \
    "$(sed -n 's/.* standby, \(.*\) I\/O.*/\1/p' "$work/lb.log" | head -1)" "$*" <<'PY'
import collections, json, sys
threads, samples, requests, rps, errors, gcs, transport, options = sys.argv[1:]
requests = int(requests)
per_thread = collections.defaultdict(list)
for e in json.load(open(threads))["recording"]["events"]:
    name = (e["values"].get("thread") or {}).get("javaName") or ""
    per_thread[name].append(e["values"]["allocated"])
loops = {n: max(v) - min(v) for n, v in per_thread.items() if n.startswith("multiThreadIoEventLoopGroup")}
others = {n: max(v) - min(v) for n, v in per_thread.items() if not n.startswith("multiThreadIoEventLoopGroup")}
total = sum(loops.values())
print(f"{requests} requests ({rps}/s, {errors} errors), {transport}, lb options: --access-log off {options}".rstrip())
print(f"event loops allocated {total / 2**20:.1f} MiB: {total / requests:.0f} bytes/request"
      f" ({len(loops)} threads; all other threads {sum(others.values()) / requests:.0f} bytes/request); {gcs or 0} collections")
by_class, by_site = collections.Counter(), collections.Counter()
skip = ("java.", "jdk.", "sun.", "io.netty.util.", "io.netty.buffer.")
# a thread's first sample weighs all it allocated since it started (the warm-up too): left out
seen = set()
for e in sorted(json.load(open(samples))["recording"]["events"], key=lambda e: e["values"]["startTime"]):
    v = e["values"]
    thread = (v.get("eventThread") or {}).get("javaName", "")
    if not thread.startswith("multiThreadIoEventLoopGroup"): continue
    if thread not in seen:
        seen.add(thread)
        continue
    w = v["weight"]
    by_class[v["objectClass"]["name"]] += w
    frames = (v.get("stackTrace") or {}).get("frames") or []
    site = next((f for f in frames if not f["method"]["type"]["name"].startswith(skip)), frames[0] if frames else None)
    by_site["?" if site is None else f'{site["method"]["type"]["name"]}.{site["method"]["name"]}:{site["lineNumber"]}'] += w
sampled = sum(by_class.values()) or 1
print(f"sampled: {sampled / requests:.0f} bytes/request (jdk.ObjectAllocationSample, a thread's first sample left out)")
for title, counter in (("class", by_class), ("allocating frame (first outside java.*, io.netty.util.*, io.netty.buffer.*)", by_site)):
    print(f"\nsampled bytes on the event loops by {title}:")
    for key, w in counter.most_common(14):
        print(f"  {100 * w / sampled:5.1f} %  {w / requests:6.0f} B/req  {key}")
PY
)
echo "$report"
[[ -n $OUT ]] && echo "$report" > "$OUT"
exit 0

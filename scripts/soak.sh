#!/usr/bin/env bash
# Soak: the load balancer (local runtime, 3 replicas) under wrk at half its measured maximum for DURATION seconds
# (default 600), with a replica killed (kill -9) every KILL_EVERY seconds (default 60). Every SAMPLE_EVERY seconds
# (default 10) it samples the load balancer's heap after a full GC, RSS, threads and open file descriptors.
# Writes bench/results/soak.csv, soak.png (plotted by the analyzer's SoakChart) and soak.md (first vs last minute).
# Fails (exit 1) if any request failed. Traffic goes to 127.0.0.1 only. Run it with 'make soak' (builds first).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-600}
KILL_EVERY=${KILL_EVERY:-60}
SAMPLE_EVERY=${SAMPLE_EVERY:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
OUT=${OUT:-bench/results}
for tool in wrk jcmd; do command -v $tool >/dev/null || { echo "soak: needs $tool (apt-get install wrk; jcmd comes with the JDK)" >&2; exit 2; }; done
[[ -f lb/target/lb.jar && -f analyzer/target/analyzer.jar ]] || { echo "soak: build first (make build)" >&2; exit 2; }
mkdir -p "$OUT"
work=$(mktemp -d)

# a free loopback port: the first one nothing answers on
port=$((20000 + RANDOM % 20000))
while (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; do port=$((port + 1)); done
url=http://127.0.0.1:$port

lb_pid= wrk_pid= sampler_pid=
cleanup() {
    for pid in $wrk_pid $sampler_pid; do kill "$pid" 2>/dev/null || true; done
    if [[ -n $lb_pid ]]; then kill "$lb_pid" 2>/dev/null && wait "$lb_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# as deployed (parallel collector, metrics on a management port, access log), with a generous spawn timeout: on a
# busy machine a replica JVM can take tens of seconds to answer
java -Xmx256m -XX:+UseParallelGC -jar lb/target/lb.jar --runtime local --bind 127.0.0.1 --port "$port" --management-port 0 --replicas 3 \
    --spawn-timeout 120000 >"$work/lb.log" 2>&1 &
lb_pid=$!
for _ in $(seq 1 300); do
    curl -sf -o /dev/null "$url/rep" && break
    kill -0 "$lb_pid" 2>/dev/null || break
    sleep 0.5
done
curl -sf -o /dev/null "$url/rep" || { echo "soak: the load balancer did not start"; cat "$work/lb.log"; exit 1; }
sleep 3 # the warm standby

# random 6-digit request ids, as the analyzer sends; with SOAK_DELAY_MS set, each connection waits that long between requests
cat >"$work/soak.lua" <<'LUA'
local pause = tonumber(os.getenv("SOAK_DELAY_MS") or "0")
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
    return wrk.format("GET", "/home", {["X-Request-ID"] = tostring(math.random(100000, 999999))})
end
if pause > 0 then
    delay = function() return pause end
end
LUA

echo "soak: warming up for 10 s, then measuring the maximum for 5 s ($CONNECTIONS connections)"
SOAK_DELAY_MS=0 wrk -t"$THREADS" -c"$CONNECTIONS" -d10s -s "$work/soak.lua" "$url/home" >/dev/null
SOAK_DELAY_MS=0 wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s "$work/soak.lua" "$url/home" >"$work/max.txt"
max=$(awk '/^Requests\/sec:/ {print int($2)}' "$work/max.txt")
target=$((max / 2))
# each connection sends one request per (delay + latency); latency at half load is a small part of it
delay_ms=$(( (CONNECTIONS * 1000 + target / 2) / target ))
echo "soak: maximum $max req/s; target $target req/s: $CONNECTIONS connections, $delay_ms ms between requests each, for $DURATION s"

SOAK_DELAY_MS=$delay_ms wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency -s "$work/soak.lua" "$url/home" \
    >"$work/wrk.txt" 2>&1 &
wrk_pid=$!
start=$(date +%s)

kills=0
echo "seconds,heap_after_gc_kb,rss_kb,threads,fds,kills" >"$OUT/soak.csv"
sample() {
    local now=$1
    jcmd "$lb_pid" GC.run >/dev/null || true
    # "garbage-first heap   total 262144K, used 23456K", or one such line per generation ("PSYoungGen total ..., used ...",
    # "ParOldGen total ..., used ..."): the sum of their 'used' (Metaspace has no 'total' and is not heap)
    local heap rss threads fds
    heap=$(jcmd "$lb_pid" GC.heap_info 2>/dev/null | grep -oE 'total [0-9]+K, used [0-9]+K' | awk -F'used ' '{ s += $2 } END { if (NR) print s }') || true
    [[ -n $heap ]] || { echo "soak: no heap sample at $now s"; return; }
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$lb_pid/status")
    threads=$(awk '/^Threads:/ {print $2}' "/proc/$lb_pid/status")
    fds=$(ls "/proc/$lb_pid/fd" | wc -l)
    echo "$now,$heap,$rss,$threads,$fds,$kills" >>"$OUT/soak.csv"
}

# a replica in the map (not the standby), found among the load balancer's children by its --id
kill_a_replica() {
    local names name pid
    names=$(curl -sf "$url/rep" | grep -o '"replicas": \[[^]]*\]' | grep -o '"[^"]*"' | tr -d '"' | grep -v replicas) || true
    [[ -n $names ]] || { echo "soak: /rep lists no replica to kill"; return; }
    name=$(shuf -n1 <<<"$names")
    for pid in $(pgrep -P "$lb_pid"); do
        if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--id $name "; then
            kill -9 "$pid" && kills=$((kills + 1)) && echo "soak: $(( $(date +%s) - start )) s: kill -9 $name (pid $pid)"
            return
        fi
    done
}

sample 0
next_sample=$SAMPLE_EVERY next_kill=$KILL_EVERY
while kill -0 "$wrk_pid" 2>/dev/null; do
    sleep 1
    now=$(( $(date +%s) - start ))
    if (( now >= next_kill && now < DURATION - 5 )); then kill_a_replica; next_kill=$((next_kill + KILL_EVERY)); fi
    if (( now >= next_sample && now < DURATION )); then sample "$now"; next_sample=$((next_sample + SAMPLE_EVERY)); fi
done
wait "$wrk_pid" || true
wrk_pid=
cat "$work/wrk.txt"

java -cp analyzer/target/analyzer.jar dev.clb.analyzer.soak.SoakChart "$OUT/soak.csv" "$OUT/soak.png" \
    "Soak: $DURATION s at ~$target req/s (half of $max), kill -9 of a replica every $KILL_EVERY s ($kills kills)"

requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
rate=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt")
non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$work/wrk.txt"); non2xx=${non2xx:-0}
socket=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$work/wrk.txt"); socket=${socket:-0}
errors=$((non2xx + socket))
first_window=60 last_from=$((DURATION - 60))
(( DURATION < 180 )) && first_window=30 last_from=$((DURATION - 30))
summary=$(awk -F, -v a="$first_window" -v b="$last_from" '
    NR > 1 && $1 <= a { for (i = 2; i <= 5; i++) f[i] += $i; nf++ }
    NR > 1 && $1 >= b { for (i = 2; i <= 5; i++) l[i] += $i; nl++ }
    END {
        split("heap after GC (KiB)|RSS (KiB)|threads|open fds", name, "|")
        for (i = 2; i <= 5; i++) {
            fa = f[i] / nf; la = l[i] / nl
            printf "| %s | %.0f | %.0f | %+.0f | %+.1f %% |\n", name[i - 1], fa, la, la - fa, fa ? 100 * (la - fa) / fa : 0
        }
    }' "$OUT/soak.csv")
latency=$(awk '/Latency Distribution/ {on = 1; next} on && /%/ {printf "%s %s, ", $1, $2} on && !/%/ {on = 0}' "$work/wrk.txt")
cat >"$OUT/soak.md" <<MD
# Soak

\`scripts/soak.sh\` (\`make soak\`), $(date -u +%Y-%m-%d): the load balancer (local runtime, N = 3, one warm standby)
under wrk for $DURATION s at about half its measured maximum ($max req/s over 5 s with $CONNECTIONS connections, after
10 s of warm-up; target $target req/s), a replica in the map killed with \`kill -9\` every $KILL_EVERY s ($kills kills), the load balancer's
process sampled every $SAMPLE_EVERY s after a full GC (\`jcmd GC.run\`, then \`GC.heap_info\`; RSS, threads and fds from
\`/proc\`). Samples: [\`soak.csv\`](soak.csv); chart: [\`soak.png\`](soak.png). Machine: $(nproc) cores, load average
$(cut -d' ' -f1-3 /proc/loadavg) at the end, shared with whatever else ran; the numbers are this run's, not a benchmark.

**Requests:** $requests sent, $rate req/s on average, **$errors failed** (non-2xx $non2xx, socket errors $socket).
Latency: ${latency%, }.

**Drift**, mean of the first $first_window s against the last $((DURATION - last_from)) s:

| metric | first | last | change | relative |
|---|---|---|---|---|
$summary

![soak](soak.png)
MD
cat "$OUT/soak.md"
if (( errors > 0 )); then echo "soak: FAILED: $errors requests failed"; exit 1; fi
echo "soak: 0 errors"

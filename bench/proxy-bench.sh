#!/usr/bin/env bash
# Proxy benchmark, one run: three fast nginx backends on 127.0.0.2-4:5000, then wrk with identical settings
# against each target in turn, several rounds interleaved: the backend directly, nginx (hash $request_uri
# consistent), HAProxy (balance uri whole, hash-type consistent), Caddy (lb_policy header X-Request-ID) and this
# load balancer (--runtime static): `lb` as deployed by default (access log on stdout, into a file, management server with
# metrics), `lb-nolog` without the access log (like nginx and HAProxy here), `lb-bare` without the access log and
# without the management server, hence without metrics (what the metrics cost, beside lb-nolog), `lb-g1` as
# lb-nolog on the JVM's default collector (G1) instead of the parallel one (-XX:+UseParallelGC) the load balancer
# runs with everywhere (Dockerfile, make run, here), `lb-bounded` as lb-nolog with --bounded-load 1.25, `lb-epoll` as
# lb-nolog on epoll (the others take --transport auto: io_uring where the kernel allows it; the log says which). Every
# proxy adds X-Forwarded-For, -Proto and -Host, as this one does by default, so that all do the same work.
# Besides requests/s and latency: the CPU time (user + system) each proxy took per request, which holds better
# than requests/s on a shared machine. Then (LARGE=1, the default) large bodies through each proxy: a 200 MiB
# download and a 100 MiB upload (MiB/s, sha256 checked at the far end; LARGE_TRIES times each way after one uncounted
# transfer each way, medians), with this load balancer restarted at -Xmx128m and its resident memory (VmRSS) sampled
# during the transfers.
# The machine's state beside every figure (bench/lib.sh): each round, and each target's large transfers, first samples
# the CPU that other processes and the hypervisor take (again while busy, up to QUIET_WAIT s), and is marked quiet or
# busy by that and by the same shares during its runs (QUIET_STEAL, QUIET_OTHER_CPU; the load average only recorded);
# the report leads with the quiet rounds' figures, the busy rounds' beside them.
# Writes bench/results/proxy.md, proxy.csv and large-bodies.csv. Loopback only; stops only what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
LB_JAVA=${LB_JAVA:-java}
LB_JVM_OPTS=${LB_JVM_OPTS:--Xmx256m -XX:+UseParallelGC}
TARGETS=${TARGETS:-direct nginx haproxy caddy lb lb-nolog lb-epoll lb-bare lb-g1 lb-bounded}
LARGE=${LARGE:-1}
LARGE_TARGETS=${LARGE_TARGETS:-nginx haproxy caddy lb}
LARGE_LB_JVM_OPTS=${LARGE_LB_JVM_OPTS:--Xmx128m -XX:+UseParallelGC}
DOWNLOAD_MIB=${DOWNLOAD_MIB:-200}
UPLOAD_MIB=${UPLOAD_MIB:-100}
LARGE_TRIES=${LARGE_TRIES:-3}
OUT=${OUT:-bench/results}

source bench/lib.sh
install_missing wrk:wrk nginx:nginx-light haproxy:haproxy caddy:caddy python3:python3
[[ -f lb/target/lb.jar ]] || { echo "lb/target/lb.jar missing: run 'make build' first" >&2; exit 1; }

work=$(mktemp -d)
chmod 755 "$work" # nginx workers (another user) serve the large-body file from here
pids=()
cleanup() {
    stop_started
    rm -rf "$work"
}
trap cleanup EXIT

refuse_taken 127.0.0.2:5000 127.0.0.3:5000 127.0.0.4:5000 127.0.0.1:18080 127.0.0.1:18081 127.0.0.1:18082 127.0.0.1:18083 \
    127.0.0.1:18084 127.0.0.1:18085 127.0.0.1:18086 127.0.0.1:18087 127.0.0.1:18088 127.0.0.1:18089 127.0.0.1:18090 \
    127.0.0.1:18091 127.0.0.1:18092 127.0.0.1:18095 127.0.0.1:18096 127.0.0.1:18099 127.0.0.1:18101

cat > "$work/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx.err warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  upstream replicas {
    hash \$request_uri consistent;
    server 127.0.0.2:5000; server 127.0.0.3:5000; server 127.0.0.4:5000;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:18080;
    client_max_body_size 0;
    location / {
      proxy_pass http://replicas; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_request_buffering off;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host;
    }
  }
}
CONF
cat > "$work/haproxy.cfg" <<CONF
global
  nbthread 2
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
frontend fe
  bind 127.0.0.1:18081
  option forwardfor
  http-request set-header X-Forwarded-Proto http
  http-request set-header X-Forwarded-Host %[req.hdr(host)]
  default_backend replicas
backend replicas
  balance uri whole
  hash-type consistent
  http-reuse always
  server s1 127.0.0.2:5000
  server s2 127.0.0.3:5000
  server s3 127.0.0.4:5000
CONF
cat > "$work/Caddyfile" <<CONF
{
  admin off
  auto_https off
  log {
    output discard
  }
}
http://127.0.0.1:18083 {
  reverse_proxy 127.0.0.2:5000 127.0.0.3:5000 127.0.0.4:5000 {
    lb_policy header X-Request-ID
    transport http {
      keepalive 2m
      keepalive_idle_conns_per_host 64
    }
  }
}
CONF
# the far end of the uploads: counts and digests the body (Content-Length or chunked), answers "<bytes> <sha256>"
cat > "$work/sink.py" <<'PY'
import hashlib, http.server, socketserver
class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_PUT(self):
        sha, n = hashlib.sha256(), 0
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b""): pass
                    break
                left = size
                while left:
                    b = self.rfile.read(min(left, 1 << 20)); sha.update(b); n += len(b); left -= len(b)
                self.rfile.readline()
        else:
            left = int(self.headers.get("Content-Length", "0"))
            while left:
                b = self.rfile.read(min(left, 1 << 20)); sha.update(b); n += len(b); left -= len(b)
        body = f"{n} {sha.hexdigest()}".encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    do_POST = do_PUT
    def log_message(self, *args): pass
class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
Server(("127.0.0.1", 18090), Sink).serve_forever()
PY
cat > "$work/request.lua" <<'LUA'
-- the same request stream for every target: a varying id in the query (hashed by nginx and HAProxy)
-- and in X-Request-ID (hashed by this load balancer)
local n = 0
request = function()
  n = n + 1
  local id = 100000 + (n * 7919) % 900000
  return wrk.format("GET", "/home?id=" .. id, {["X-Request-ID"] = tostring(id)})
end
LUA

# the backends also serve the large download and pass the uploads on to the sink
start_backends "    location = /big { alias $work/big.bin; default_type application/octet-stream; }
    location = /upload { client_max_body_size 0; proxy_request_buffering off; proxy_http_version 1.1; proxy_pass http://127.0.0.1:18090; }"
declare -A url=([direct]=http://127.0.0.2:5000 [nginx]=http://127.0.0.1:18080 [haproxy]=http://127.0.0.1:18081 [caddy]=http://127.0.0.1:18083
                [lb]=http://127.0.0.1:18082 [lb-nolog]=http://127.0.0.1:18085
                [lb-bounded]=http://127.0.0.1:18086 [lb-before]=http://127.0.0.1:18087 [lb-bare]=http://127.0.0.1:18088 [lb-g1]=http://127.0.0.1:18089 [lb-epoll]=http://127.0.0.1:18091)
declare -A started=() target_pid=()
# start_lb NAME PORT MANAGEMENT_PORT OPTION...: this load balancer (lb/target/lb.jar, or $lb_jar) in front of the three
# backends, its output (the access log on stdout, as deployed, and its own log) in $work/NAME.log
start_lb() {
    local name=$1 port=$2 management=$3
    shift 3
    # shellcheck disable=SC2086  # LB_JVM_OPTS: several options
    $LB_JAVA $LB_JVM_OPTS -jar "${lb_jar:-lb/target/lb.jar}" --runtime static --port "$port" --bind 127.0.0.1 --management-port "$management" \
        --backends 127.0.0.2:5000,127.0.0.3:5000,127.0.0.4:5000 "$@" >"$work/$name.log" 2>&1 &
    pids+=($!)
}
start_target() {
    [[ -n ${started[$1]:-} ]] && return 0
    started[$1]=1
    case $1 in
        nginx) nginx -p "$work" -c "$work/nginx.conf" & pids+=($!) ;;
        haproxy) haproxy -db -f "$work/haproxy.cfg" & pids+=($!) ;;
        caddy) caddy run --config "$work/Caddyfile" --adapter caddyfile >"$work/caddy.log" 2>&1 & pids+=($!) ;;
        lb) start_lb lb 18082 18092 ;;
        lb-nolog) start_lb lb-nolog 18085 18095 --access-log off ;;
        # as lb-nolog but on the JVM's default collector (G1) rather than the parallel one it is deployed with
        lb-g1) LB_JVM_OPTS=${LB_JVM_OPTS/-XX:+UseParallelGC/} start_lb lb-g1 18089 18099 --access-log off ;;
        # no management server, so no metrics either: beside lb-nolog, what the metrics cost
        lb-bare) start_lb lb-bare 18088 -1 --access-log off ;;
        lb-bounded) start_lb lb-bounded 18086 18096 --access-log off --bounded-load 1.25 ;;
        # as lb-nolog but on epoll, which --transport auto falls back to where io_uring is refused
        lb-epoll) start_lb lb-epoll 18091 18101 --access-log off --transport epoll ;;
        # an earlier build of this load balancer, for a before/after comparison in one run: LB_BEFORE_JAR=path TARGETS="... lb-before lb"
        lb-before) lb_jar=${LB_BEFORE_JAR:?lb-before needs LB_BEFORE_JAR} start_lb lb-before 18087 18097 ;;
    esac
    target_pid[$1]=${pids[-1]}
    await_http "${url[$1]}/home"
}
CLOCK_TICKS=$(getconf CLK_TCK)
for target in $TARGETS; do
    start_target "$target"
    echo "warming up $target"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP:-20s}" -s "$work/request.lua" "${url[$target]}" >/dev/null
done

echo "round,target,requests_per_s,p50_ms,p99_ms,errors,cpu_us_per_request,$MACHINE_CSV_COLUMNS" > "$OUT/proxy.csv"
echo "round,sampled_s" > "$work/rounds.csv"
for round in $(seq 1 "$ROUNDS"); do
    read -r before sampled <<<"$(wait_quiet)"
    echo "round $round: $(machine_before_text "$before" "$sampled")"
    echo "$round,$sampled" >> "$work/rounds.csv"
    for target in $TARGETS; do
        pid=${target_pid[$target]:-}
        ticks_before=$([[ -n $pid ]] && cpu_ticks "$pid" || echo 0)
        machine_watch_start
        result=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/request.lua" "${url[$target]}")
        machine_watch_stop
        ticks=$(( $([[ -n $pid ]] && cpu_ticks "$pid" || echo 0) - ticks_before ))
        requests=$(awk '/requests in/ { print $1 }' <<<"$result")
        rps=$(awk '/^Requests\/sec/ { print $2 }' <<<"$result")
        p50=$(awk '$1 == "50%" { print $2 }' <<<"$result" | to_ms 2)
        p99=$(awk '$1 == "99%" { print $2 }' <<<"$result" | to_ms 2)
        errors=$(wrk_errors <<<"$result")
        cpu=$(awk -v t="$ticks" -v hz="$CLOCK_TICKS" -v n="$requests" -v p="$pid" 'BEGIN { if (p == "" || n == 0) print ""; else printf "%.1f", t * 1e6 / hz / n }')
        echo "$round,$target,$rps,$p50,$p99,$errors,$cpu,$before,$(machine_columns "$before")" | tee -a "$OUT/proxy.csv"
    done
done

{
    echo "# Proxy benchmark"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS rounds interleaved (medians shown)"
    echo "after ${WARMUP:-20s} warm-up each; $(nginx -v 2>&1 | sed 's/.*: //'), $(haproxy -v | head -1 | cut -d' ' -f1-3),"
    echo "$($LB_JAVA -version 2>&1 | head -1); load balancer: $LB_JVM_OPTS --runtime static."
    echo "Backends: nginx (2 workers) on 127.0.0.2-4:5000 answering the replica's /home JSON; all on loopback."
    echo
    echo "Machine state (bench/lib.sh), for each round: $(machine_rule | paste -sd ' ')."
    echo "$MACHINE_COLUMNS_TEXT"
    echo
    # the quiet rounds' figures first, then the busy rounds', each from those rounds alone; the ratios that decide are
    # taken within each round (targets minutes apart, not a whole run apart), then their median
    report_python "$OUT/proxy.csv" "$work/rounds.csv" <<'PY'
import csv, statistics, sys
import machine
rows = list(csv.DictReader(open(sys.argv[1])))
sampled = {r["round"]: r["sampled_s"] for r in csv.DictReader(open(sys.argv[2]))}
verdict = machine.verdicts(rows)
groups = machine.by_machine(verdict)
rounds = {}
for row in rows:
    rounds.setdefault(row["round"], {})[row["target"]] = row
def ratio(a, b, column, worse, within):
    values = []
    for rd in within:
        r = rounds[rd]
        if a not in r or not r[a][column]: continue
        others = [float(r[t][column]) for t in b if t in r and r[t][column]]
        other = (max(others) if worse else min(others)) if others else 0
        if other > 0: values.append(float(r[a][column]) / other)  # a round without the figure (no requests) is left out
    return values
pairs = [("lb", ["nginx", "haproxy"], "requests_per_s", False, "lb requests/s / the slower of nginx and HAProxy"),
         ("lb-nolog", ["nginx", "haproxy"], "requests_per_s", False, "lb-nolog requests/s / the slower of nginx and HAProxy"),
         ("lb", ["nginx", "haproxy"], "p99_ms", True, "lb p99 / the worse p99 of nginx and HAProxy"),
         ("lb-nolog", ["nginx", "haproxy"], "p99_ms", True, "lb-nolog p99 / the worse p99 of nginx and HAProxy"),
         ("lb-nolog", ["lb-epoll"], "requests_per_s", False, "transport: lb-nolog (auto) / lb-epoll, requests/s"),
         ("lb-nolog", ["lb-epoll"], "cpu_us_per_request", False, "transport: lb-nolog (auto) / lb-epoll, CPU per request"),
         ("lb-nolog", ["lb-bare"], "requests_per_s", False, "metrics: lb-nolog / lb-bare, requests/s"),
         ("lb-nolog", ["lb-bare"], "cpu_us_per_request", False, "metrics: lb-nolog / lb-bare, CPU per request"),
         ("lb", ["lb-nolog"], "requests_per_s", False, "access log: lb / lb-nolog, requests/s"),
         ("lb", ["lb-nolog"], "cpu_us_per_request", False, "access log: lb / lb-nolog, CPU per request"),
         ("lb", ["lb-before"], "requests_per_s", False, "this build / lb-before, requests/s"),
         ("lb", ["lb-before"], "cpu_us_per_request", False, "this build / lb-before, CPU per request")]

# the summary: how many rounds were quiet, and the headline ratios, the quiet rounds' first
headline = []
for a, b, column, worse, what in pairs[:2]:
    parts = [f"{statistics.median(values):.2f} on a {m} machine ({len(values)} round{'s' if len(values) != 1 else ''})"
             for m, within in groups for values in [ratio(a, b, column, worse, within)] if values]
    if parts:
        headline.append(f"{what}: " + ", ".join(parts))
print(machine.summary(verdict) + ("\n" + "; ".join(headline) + "." if headline else ""))

print(f"\n| round | machine | sampled before s | {machine.HEADER} |\n|---:|---|---:|{machine.ALIGN}|")
for rd, v in verdict.items():
    print(f"| {rd} | {v} | {sampled.get(rd, '-')} | {machine.state([r for r in rows if r['round'] == rd])} |")

def med(values):
    values = [float(v) for v in values if v != ""]
    return statistics.median(values) if values else None
order = "direct nginx haproxy caddy lb-before lb lb-nolog lb-epoll lb-bare lb-g1 lb-bounded".split()
print(f"\n| target | requests/s | p50 ms | p99 ms | errors | CPU µs/request | vs nginx | vs HAProxy | machine | rounds | {machine.HEADER} |")
print(f"|---|---:|---:|---:|---:|---:|---:|---:|---|---:|{machine.ALIGN}|")
for m, within in groups:
    runs = {t: [r for r in rows if r["target"] == t and r["round"] in within] for t in order}
    rps = {t: med(r["requests_per_s"] for r in runs[t]) for t in order if runs[t]}
    def vs(t, other):
        return f"{rps[t] / rps[other]:.2f}" if rps.get(other) else "-"
    for t in order:
        if not runs[t]: continue
        cpu = med(r["cpu_us_per_request"] for r in runs[t])
        print(f"| {t} | {rps[t]:.0f} | {med(r['p50_ms'] for r in runs[t]):.2f} | {med(r['p99_ms'] for r in runs[t]):.2f} | "
              f"{sum(int(r['errors']) for r in runs[t])} | {'-' if cpu is None else f'{cpu:.1f}'} | {vs(t, 'nginx')} | "
              f"{vs(t, 'haproxy')} | {m} | {len(runs[t])} | {machine.state(runs[t])} |")

lines = []
for m, within in groups:
    for a, b, column, worse, what in pairs:
        values = ratio(a, b, column, worse, within)
        if values:
            lines.append(f"| {what} | {statistics.median(values):.3f} | {min(values):.2f}–{max(values):.2f} | "
                         + " ".join(f"{v:.2f}" for v in values) + f" | {m} | {len(values)} |")
if lines:
    print("\nRatios within each round (median over the rounds, their range, each round), the quiet rounds' apart from the busy ones':\n")
    print("| ratio | median | range | per round | machine | rounds |\n|---|---:|---:|---|---|---:|")
    print("\n".join(lines))
PY
} > "$OUT/proxy.md"

if [[ $LARGE == 1 ]]; then
    echo "large bodies: ${DOWNLOAD_MIB} MiB download, ${UPLOAD_MIB} MiB upload"
    head -c "$((DOWNLOAD_MIB * 1024 * 1024))" /dev/urandom > "$work/big.bin"
    head -c "$((UPLOAD_MIB * 1024 * 1024))" /dev/urandom > "$work/up.bin"
    down_sha=$(sha256sum < "$work/big.bin" | cut -d' ' -f1)
    up_sha=$(sha256sum < "$work/up.bin" | cut -d' ' -f1)
    python3 "$work/sink.py" & pids+=($!)
    for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/18090) 2>/dev/null && break; sleep 0.1; done
    lb_large_pid=
    if [[ " $LARGE_TARGETS " == *" lb "* ]]; then
        LB_JVM_OPTS=$LARGE_LB_JVM_OPTS start_lb lb-large 18084 -1
        lb_large_pid=${pids[-1]}
        await_http http://127.0.0.1:18084/home
    fi
    declare -A large_url=([nginx]=${url[nginx]} [haproxy]=${url[haproxy]} [caddy]=${url[caddy]} [lb]=http://127.0.0.1:18084)
    rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
    # samples VmRSS of pid $1 every 100 ms into file $2 until file $3 appears
    watch_rss() { while [[ ! -e $3 ]]; do rss_kib "$1" >> "$2" || true; sleep 0.1; done; }
    echo "target,try,direction,mib,seconds,mib_per_s,sha256_ok,lb_rss_before_mib,lb_rss_peak_mib,lb_rss_growth_mib,transfer,$MACHINE_CSV_COLUMNS" > "$OUT/large-bodies.csv"
    transfer=0
    for target in $LARGE_TARGETS; do
        [[ $target == lb ]] || start_target "$target"
        base=${large_url[$target]}
        # one transfer each way first, not counted, as the wrk part warms every target up: the load balancer here is a
        # JVM started just before, and its first 200 MiB ran while the JIT compiled its path
        before=""
        [[ $target == lb && -n $lb_large_pid ]] && before=$(rss_kib "$lb_large_pid")  # growth counts from here, warm-up included
        curl -sS -o /dev/null "$base/big" || true
        curl -sS -o /dev/null -H 'Expect:' -T "$work/up.bin" "$base/upload" || true
        read -r before sampled <<<"$(wait_quiet)"
        echo "$target: $(machine_before_text "$before" "$sampled")"
        for try in $(seq 1 "$LARGE_TRIES"); do
        for direction in download upload; do
            rss_file=$work/rss-$target-$try-$direction; stop_file=$rss_file.stop
            if [[ -n $before ]]; then
                watch_rss "$lb_large_pid" "$rss_file" "$stop_file" & watcher=$!
            fi
            machine_watch_start
            if [[ $direction == download ]]; then
                mib=$DOWNLOAD_MIB
                seconds=$( { curl -sS -H 'X-Request-ID: 424242' -w '%{stderr}%{time_total}' -o - "$base/big" | sha256sum > "$work/got.sha"; } 2>&1 ) || true
                got=$(cut -d' ' -f1 < "$work/got.sha"); ok=$([[ $got == "$down_sha" ]] && echo yes || echo NO)
            else
                mib=$UPLOAD_MIB
                answer=$(curl -sS -H 'X-Request-ID: 424242' -H 'Expect:' -T "$work/up.bin" -w ' %{time_total}' "$base/upload") || true
                seconds=${answer##* }; got=${answer% *}
                ok=$([[ $got == "$((UPLOAD_MIB * 1024 * 1024)) $up_sha" ]] && echo yes || echo NO)
            fi
            machine_watch_stop
            [[ $seconds =~ ^[0-9.]+$ ]] || { seconds=0; ok=NO; }  # curl failed: its message is no time
            peak="" growth="" before_mib=""
            if [[ -n $before ]]; then
                touch "$stop_file"; wait "$watcher" 2>/dev/null || true
                peak=$(sort -n "$rss_file" | tail -1)
                growth=$(( (peak - before) / 1024 )); peak=$((peak / 1024)); before_mib=$((before / 1024))
            fi
            rate=$(awk -v m="$mib" -v s="$seconds" 'BEGIN { printf "%.0f", (s > 0 ? m / s : 0) }')
            transfer=$((transfer + 1))
            echo "$target,$try,$direction,$mib,$seconds,$rate,$ok,$before_mib,$peak,$growth,$transfer,$before,$(machine_columns "$before")" \
                | tee -a "$OUT/large-bodies.csv"
        done
        done
    done
    {
        echo
        echo "Large bodies (curl, loopback; sha256 checked at the far end; the load balancer at $LARGE_LB_JVM_OPTS, its VmRSS"
        echo "sampled every 100 ms): a ${DOWNLOAD_MIB} MiB download from the nginx backends and a ${UPLOAD_MIB} MiB upload to a digesting"
        echo "sink behind them, $LARGE_TRIES times each way after one uncounted transfer each way; the median MiB/s (each try in"
        echo "large-bodies.csv), sha256 right in every try; the load balancer's RSS before the uncounted transfers, its peak during"
        echo "the counted ones and that peak's growth over the RSS before. Machine state as above, for each transfer: the sample"
        echo "before each target's counted transfers and the transfer itself; a transfer counts as quiet or busy on its own."
        echo
        report_python "$OUT/large-bodies.csv" <<'PY'
import csv, statistics, sys
import machine
rows = list(csv.DictReader(open(sys.argv[1])))
verdict = machine.verdicts(rows, "transfer")
print(machine.summary(verdict, "transfers") + "\n")
print(f"| target | direction | MiB/s | per try | sha256 | lb RSS before MiB | lb RSS peak MiB | growth MiB | machine | tries | {machine.HEADER} |")
print(f"|---|---|---:|---|---|---:|---:|---:|---|---:|{machine.ALIGN}|")
medians = {}
for m, within in machine.by_machine(verdict):
    groups = {}
    for row in rows:
        if row["transfer"] in within:
            groups.setdefault((row["target"], row["direction"]), []).append(row)
    for (target, direction), tries in groups.items():
        rates = [float(r["mib_per_s"]) for r in tries]
        medians.setdefault((target, direction), (statistics.median(rates), m))
        ok = "yes" if all(r["sha256_ok"] == "yes" for r in tries) else "NO"
        peaks = [int(r["lb_rss_peak_mib"]) for r in tries if r["lb_rss_peak_mib"]]
        growths = [int(r["lb_rss_growth_mib"]) for r in tries if r["lb_rss_growth_mib"]]
        print(f"| {target} | {direction} | {statistics.median(rates):.0f} | {' '.join(f'{v:.0f}' for v in rates)} | {ok} | "
              f"{tries[0]['lb_rss_before_mib']} | {max(peaks) if peaks else ''} | {max(growths) if growths else ''} | "
              f"{m} | {len(tries)} | {machine.state(tries)} |")
# lb / nginx from the quiet tries of each where there are any, marked busy machine where either had none
for direction in ("download", "upload"):
    if ("lb", direction) in medians and ("nginx", direction) in medians:
        (lb, lb_machine), (nginx, nginx_machine) = medians["lb", direction], medians["nginx", direction]
        quiet = lb_machine == nginx_machine == "quiet"
        print(f"\nlb / nginx, {direction}: {lb / nginx:.2f} (medians, {'quiet' if quiet else 'busy'} machine)")
PY
    } >> "$OUT/proxy.md"
fi
cat "$OUT/proxy.md"

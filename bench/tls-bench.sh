#!/usr/bin/env bash
# TLS benchmark, one run: three fast nginx backends on 127.0.0.2-4:5000 (as in proxy-bench.sh), then TLS 1.3
# termination side by side, one ECDSA P-256 certificate for localhost, each target on its own loopback port proxying to
# the backends by consistent hash as proxy-bench.sh configures them: nginx (listen ... ssl http2, hash $request_uri
# consistent), HAProxy (bind ... ssl alpn h2,http/1.1, balance uri whole, hash-type consistent), and this load
# balancer (--runtime static --tls-port): `lb` with --tls-provider auto (BoringSSL where it loads; its start-up log
# says which) and `lb-jdk` with --tls-provider jdk. All add X-Forwarded-For, -Proto and -Host, none logs accesses.
# Loads, against each target's HTTPS port, several rounds interleaved (LOADS):
#   h1        HTTPS/1.1 keep-alive: wrk -t2 -c64 --latency; requests/s, p50 and p99
#   h1-close  a full TLS handshake per request: the same with Connection: close, wrk's session resumption turned off
#             (a small LD_PRELOAD shim built here: wrk reuses its SSL object and would resume every session)
#   h1-resume (not in the default LOADS) the same with resumption left on, as wrk does by itself
#   h2        HTTP/2 over TLS: h2load -c16 -m32 -D; requests/s, and that every request got a 2xx
# with the CPU time (user + system, /proc/PID/stat) each proxy took per request. Every client offers one TLS 1.3 cipher
# suite (CLIENT_CIPHERSUITE), so that all targets run the same one (left alone, BoringSSL and the JDK pick AES-128,
# OpenSSL AES-256). Then IDLE_CONNECTIONS idle TLS connections (handshake done, nothing sent) held against each
# target: its resident memory (VmRSS, summed over the process and its children: nginx's workers) before and after.
# The machine's state beside every run (bench/lib.sh): each round first samples the CPU that other processes and the
# hypervisor take (again while busy, up to QUIET_WAIT s), and is marked quiet or busy by that and by the same shares
# during its runs (QUIET_STEAL, QUIET_OTHER_CPU; the load average only recorded); the report leads with the quiet
# rounds' figures, the busy rounds' beside them.
# Writes bench/results/tls.md and tls.csv (OUT). Loopback only; stops only what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
H2_CLIENTS=${H2_CLIENTS:-16}
H2_STREAMS=${H2_STREAMS:-32}
H2_THREADS=${H2_THREADS:-1}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-5000}
IDLE_SETTLE=${IDLE_SETTLE:-2}
LB_JAVA=${LB_JAVA:-java}
LB_JVM_OPTS=${LB_JVM_OPTS:--Xmx256m -XX:+UseParallelGC}
TARGETS=${TARGETS:-nginx haproxy lb lb-jdk}
LOADS=${LOADS:-h1 h1-close h2}
CLIENT_CIPHERSUITE=${CLIENT_CIPHERSUITE:-TLS_AES_128_GCM_SHA256}
JAR_WAIT=${JAR_WAIT:-600}
OUT=${OUT:-bench/results}

source bench/lib.sh
install_missing wrk:wrk nginx:nginx-light haproxy:haproxy h2load:nghttp2-client python3:python3 openssl:openssl curl:curl \
    gcc:gcc gcc:libc6-dev
mkdir -p "$OUT"

# file descriptors for the idle connections (the client's and the proxies', which inherit this limit)
hard=$(ulimit -Hn)
[[ $hard == unlimited ]] && hard=1048576
if ((hard < IDLE_CONNECTIONS + 2048)); then
    ulimit -Hn $((IDLE_CONNECTIONS + 2048)) 2>/dev/null && hard=$((IDLE_CONNECTIONS + 2048)) \
        || echo "warning: ulimit -Hn is $hard, below $((IDLE_CONNECTIONS + 2048)); some idle connections may fail" >&2
fi
ulimit -n "$hard"

work=$(mktemp -d)
chmod 755 "$work" # nginx workers (another user) read the certificate from here
pids=()
idle_pid=
cleanup() {
    if [[ -n $idle_pid ]]; then kill "$idle_pid" 2>/dev/null || true; fi
    stop_started
    rm -rf "$work"
}
trap cleanup EXIT

# the jar may be being rebuilt by someone else: wait until it is there and its size holds, then run a copy of it
lb_jar=
if [[ " $TARGETS " == *" lb"* ]]; then
    deadline=$((SECONDS + JAR_WAIT))
    while ((SECONDS < deadline)); do
        if [[ -f lb/target/lb.jar ]]; then
            size=$(stat -c %s lb/target/lb.jar); sleep 2
            if [[ -f lb/target/lb.jar && $(stat -c %s lb/target/lb.jar) == "$size" ]] && cp lb/target/lb.jar "$work/lb.jar" \
                    && $LB_JAVA -jar "$work/lb.jar" --version >/dev/null 2>&1; then
                lb_jar=$work/lb.jar; break
            fi
        fi
        sleep 1
    done
    [[ -n $lb_jar ]] || { echo "lb/target/lb.jar missing or unreadable: run 'make build' first" >&2; exit 1; }
fi

declare -A tls_port=([nginx]=18443 [haproxy]=18444 [lb]=18445 [lb-jdk]=18446)
declare -A http_port=([lb]=18282 [lb-jdk]=18283)
for target in $TARGETS; do [[ -n ${tls_port[$target]:-} ]] || { echo "unknown target $target" >&2; exit 1; }; done
for load in $LOADS; do [[ $load =~ ^(h1|h1-close|h1-resume|h2)$ ]] || { echo "unknown load $load" >&2; exit 1; }; done
refuse_taken 127.0.0.2:5000 127.0.0.3:5000 127.0.0.4:5000 127.0.0.1:18443 127.0.0.1:18444 127.0.0.1:18445 127.0.0.1:18446 \
    127.0.0.1:18282 127.0.0.1:18283

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 30 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null
chmod 644 "$work/key.pem"
cat "$work/cert.pem" "$work/key.pem" > "$work/haproxy.pem"
# what every client offers: TLS 1.3 with one cipher suite (wrk, h2load and python3 all read it)
cat > "$work/client.cnf" <<CNF
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MinProtocol = TLSv1.3
Ciphersuites = $CLIENT_CIPHERSUITE
CNF
export OPENSSL_CONF=$work/client.cnf
# wrk keeps one SSL object per connection and, reconnecting, resumes the session it had: forget it before each handshake
cat > "$work/noresume.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
typedef struct ssl_st SSL;
typedef struct ssl_session_st SSL_SESSION;
extern int SSL_in_before(const SSL *s);
extern int SSL_set_session(SSL *s, SSL_SESSION *session);
int SSL_connect(SSL *s) {
    static int (*real)(SSL *);
    if (!real) real = (int (*)(SSL *)) dlsym(RTLD_NEXT, "SSL_connect");
    if (SSL_in_before(s)) SSL_set_session(s, 0);
    return real(s);
}
C
gcc -shared -fPIC -O2 -o "$work/noresume.so" "$work/noresume.c"

# idle connections: every target keeps a connection that has sent nothing for 120 s (nginx: client_header_timeout,
# HAProxy: timeout client, lb: --header-timeout/--idle-timeout), longer than opening IDLE_CONNECTIONS takes
worker_connections=$((IDLE_CONNECTIONS + 2048))
cat > "$work/nginx.conf" <<CONF
worker_processes 2;
worker_rlimit_nofile $((2 * worker_connections));
daemon off;
pid $work/nginx.pid;
error_log $work/nginx.err warn;
events { worker_connections $worker_connections; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  client_header_timeout 120s;
  upstream replicas {
    hash \$request_uri consistent;
    server 127.0.0.2:5000; server 127.0.0.3:5000; server 127.0.0.4:5000;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${tls_port[nginx]} ssl http2;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    ssl_protocols TLSv1.3;
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
  maxconn $((IDLE_CONNECTIONS > 3072 ? IDLE_CONNECTIONS + 1024 : 4096))
defaults
  mode http
  timeout connect 2s
  timeout client 120s
  timeout server 30s
frontend fe
  bind 127.0.0.1:${tls_port[haproxy]} ssl crt $work/haproxy.pem alpn h2,http/1.1 ssl-min-ver TLSv1.3
  option forwardfor
  http-request set-header X-Forwarded-Proto https
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
cat > "$work/request.lua" <<'LUA'
-- the same request stream for every target: a varying id in the query (hashed by nginx and HAProxy)
-- and in X-Request-ID (hashed by this load balancer); the -H headers (Connection: close) kept
local n = 0
request = function()
  n = n + 1
  local id = 100000 + (n * 7919) % 900000
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["X-Request-ID"] = tostring(id)
  return wrk.format("GET", "/home?id=" .. id, headers)
end
LUA
# h2load cannot vary a header per request: it cycles through these paths (the same ids); this load balancer, given
# no X-Request-ID, routes each request by a random id, which spreads the same way
for target in $TARGETS; do
    awk -v base="https://localhost:${tls_port[$target]}" 'BEGIN { for (n = 1; n <= 1000; n++) print base "/home?id=" 100000 + (n * 7919) % 900000 }' \
        > "$work/uris-$target"
done
# IDLE_CONNECTIONS TLS connections that complete a handshake and then send nothing; writes "opened failed seconds errors"
# to the ready file, holds them until the stop file appears, then writes how many the server had not closed
cat > "$work/idle.py" <<'PY'
import asyncio, collections, os, ssl, sys, time
port, count, cafile, ready, stop, result = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
ctx = ssl.create_default_context(cafile=cafile)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.set_alpn_protocols(["http/1.1"])
async def main():
    conns, errors = [], collections.Counter()
    gate = asyncio.Semaphore(200)  # handshakes under way at once
    async def one():
        async with gate:
            try:
                conns.append(await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost"), 60))
            except Exception as e:
                errors[type(e).__name__] += 1
    start = time.monotonic()
    await asyncio.gather(*(one() for _ in range(count)))
    took = time.monotonic() - start
    with open(ready + ".tmp", "w") as f:
        f.write(f"{len(conns)} {sum(errors.values())} {took:.1f} {','.join(f'{k}:{v}' for k, v in errors.items()) or '-'}\n")
    os.rename(ready + ".tmp", ready)
    while not os.path.exists(stop):
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.2)
    # still open: nothing came back (no 408, no close_notify) and the transport is up
    held = sum(1 for r, w in conns if not r._eof and not r._buffer and not w.is_closing())
    with open(result, "w") as f:
        f.write(f"{held}\n")
    for r, w in conns:
        w.transport.abort()
asyncio.run(main())
PY

await_https() {  # $1 port: answers /home over TLS with the certificate made here
    for _ in $(seq 1 300); do
        curl -sf -o /dev/null --cacert "$work/cert.pem" "https://localhost:$1/home" && return 0
        sleep 0.1
    done
    echo "https://localhost:$1 did not answer" >&2; exit 1
}
start_backends
declare -A target_pid=()
# start_lb NAME OPTION...: this load balancer (a copy of lb/target/lb.jar) in front of the three backends, TLS on its
# port, its output in $work/NAME.log
start_lb() {
    local name=$1
    shift
    local extra=()
    ((IDLE_CONNECTIONS + 1024 > 10000)) && extra+=(--max-connections $((IDLE_CONNECTIONS + 1024)))
    # shellcheck disable=SC2086  # LB_JVM_OPTS: several options
    $LB_JAVA $LB_JVM_OPTS -jar "$lb_jar" --runtime static --backends 127.0.0.2:5000,127.0.0.3:5000,127.0.0.4:5000 \
        --bind 127.0.0.1 --port "${http_port[$name]}" --tls-port "${tls_port[$name]}" \
        --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" --access-log off --management-port -1 \
        --header-timeout 120000 --idle-timeout 120000 "${extra[@]}" "$@" >"$work/$name.log" 2>&1 &
    pids+=($!)
}
start_target() {
    case $1 in
        nginx) nginx -p "$work" -c "$work/nginx.conf" & pids+=($!) ;;
        haproxy) haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 & pids+=($!) ;;
        lb) start_lb lb ;;
        lb-jdk) start_lb lb-jdk --tls-provider jdk ;;
    esac
    target_pid[$1]=${pids[-1]}
    await_https "${tls_port[$1]}"
}
# resident memory (VmRSS, KiB) of process $1 and its children (nginx's workers)
rss_kib() {
    local total=0 p kib
    for p in "$1" $(proc_stat_lines | awk -v pid="$1" '{ p = $1; sub(/^[0-9]+ \(.*\) /, ""); if ($2 == pid) print p }'); do
        kib=$(awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
        total=$((total + ${kib:-0}))
    done
    echo "$total"
}
CLOCK_TICKS=$(getconf CLK_TCK)

# run_load LOAD TARGET SECONDS: prints "requests_per_s,p50_ms,p99_ms,requests,errors"
run_load() {
    local load=$1 target=$2 duration=$3 url="https://localhost:${tls_port[$2]}/" result
    case $load in
        h1|h1-close|h1-resume)
            local headers=() preload=
            [[ $load != h1 ]] && headers=(-H 'Connection: close')
            [[ $load == h1-close ]] && preload=$work/noresume.so
            result=$(LD_PRELOAD=$preload wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --latency "${headers[@]}" -s "$work/request.lua" "$url")
            echo "$result" > "$work/last-$load-$target.txt"
            echo "$(awk '/^Requests\/sec/ { print $2 }' <<<"$result"),$(awk '$1 == "50%" { print $2 }' <<<"$result" | to_ms 2),$(
                awk '$1 == "99%" { print $2 }' <<<"$result" | to_ms 2),$(awk '/requests in/ { print $1 }' <<<"$result"),$(wrk_errors <<<"$result")" ;;
        h2)
            result=$(h2load -c"$H2_CLIENTS" -m"$H2_STREAMS" -t"$H2_THREADS" -D "$duration" --tls13-ciphers="$CLIENT_CIPHERSUITE" \
                -i "$work/uris-$target" 2>&1) || true
            echo "$result" > "$work/last-$load-$target.txt"
            # errors: failed requests, answers other than 2xx, and everything when the protocol was not h2
            awk '/^finished in/ { rps = $4 } /^Application protocol:/ { proto = $3 }
                 /^requests:/ { done = $6; failed = $10; timeout = $14 } /^status codes:/ { ok = $3 }
                 END { errors = failed + timeout + (done - failed - ok > 0 ? done - failed - ok : 0); if (proto != "h2") errors = done + 0 + (done == 0)
                       printf "%s,,,%d,%d\n", rps, done, errors }' <<<"$result" ;;
    esac
}

for target in $TARGETS; do
    start_target "$target"
    echo "warming up $target"
    for load in $LOADS; do run_load "$load" "$target" "$WARMUP" >/dev/null; done
done

declare -A negotiated=()
for target in $TARGETS; do
    negotiated[$target]=$(openssl s_client -connect "127.0.0.1:${tls_port[$target]}" -servername localhost -alpn h2,http/1.1 \
        -CAfile "$work/cert.pem" </dev/null 2>/dev/null | awk '/^New,/ { sub(/,$/, "", $2); p = $2 " " $NF } /^ALPN protocol/ { a = $3 }
            /^Server Temp Key/ { k = $4; sub(/,$/, "", k) } /^Verification:/ { v = $2 } END { print p ", " k ", ALPN " a ", verify " v }')
done

echo "round,load,target,requests_per_s,p50_ms,p99_ms,requests,errors,cpu_us_per_request,rss_before_mib,rss_after_mib,rss_growth_mib,idle_opened,idle_held,heap_live_before_mib,heap_live_after_mib,$MACHINE_CSV_COLUMNS" \
    > "$OUT/tls.csv"
echo "round,sampled_s" > "$work/rounds.csv"
for round in $(seq 1 "$ROUNDS"); do
    read -r before sampled <<<"$(wait_quiet)"
    echo "$round,$sampled" >> "$work/rounds.csv"
    echo "round $round: $(machine_before_text "$before" "$sampled")"
    for load in $LOADS; do
        for target in $TARGETS; do
            pid=${target_pid[$target]}
            ticks_before=$(cpu_ticks "$pid")
            machine_watch_start
            figures=$(run_load "$load" "$target" "$DURATION")
            machine_watch_stop
            ticks=$(( $(cpu_ticks "$pid") - ticks_before ))
            requests=$(cut -d, -f4 <<<"$figures")
            cpu=$(awk -v t="$ticks" -v hz="$CLOCK_TICKS" -v n="$requests" 'BEGIN { if (n == 0) print ""; else printf "%.1f", t * 1e6 / hz / n }')
            echo "$round,$load,$target,$figures,$cpu,,,,,,,,$before,$(machine_columns "$before")" | tee -a "$OUT/tls.csv"
        done
    done
done

# idle connections, one target after the other, each after all its loads (a warm process, the JVM's heap as the loads left it).
# For the JVM, VmRSS counts mostly native memory (BoringSSL, direct buffers): the loads already made most of its heap resident,
# so what the connections hold on the heap shows in its live size after a full GC (jcmd, where there is one)
JCMD=$(command -v "$(dirname "$(command -v "$LB_JAVA")")/jcmd" || command -v jcmd || true)
heap_live_kib() {  # $1 pid of a JVM: its heap in use right after a full GC, KiB; nothing without jcmd
    [[ -n $JCMD ]] || return 0
    "$JCMD" "$1" GC.run >/dev/null 2>&1 || return 0
    "$JCMD" "$1" GC.heap_info 2>/dev/null | awk '/total [0-9]+K, used [0-9]+K/ { for (i = 1; i < NF; i++) if ($i == "used") { v = $(i + 1); sub(/K.*/, "", v); t += v } }
        END { if (t) print t }'
}
read -r idle_before sampled <<<"$(wait_quiet)"
echo "idle connections: $IDLE_CONNECTIONS per target; $(machine_before_text "$idle_before" "$sampled")"
for target in $TARGETS; do
    pid=${target_pid[$target]}
    rm -f "$work/idle.ready" "$work/idle.stop" "$work/idle.result"
    heap_before='' heap_after=''
    [[ $target == lb* ]] && heap_before=$(heap_live_kib "$pid")
    before=$(rss_kib "$pid")
    machine_watch_start
    python3 "$work/idle.py" "${tls_port[$target]}" "$IDLE_CONNECTIONS" "$work/cert.pem" "$work/idle.ready" "$work/idle.stop" "$work/idle.result" &
    idle_pid=$!
    for _ in $(seq 1 3000); do [[ -e $work/idle.ready ]] && break; kill -0 "$idle_pid" 2>/dev/null || break; sleep 0.1; done
    [[ -e $work/idle.ready ]] || { echo "the idle connections to $target did not open" >&2; exit 1; }
    sleep "$IDLE_SETTLE"
    after=$(rss_kib "$pid")
    machine_watch_stop
    [[ $target == lb* ]] && heap_after=$(heap_live_kib "$pid")
    touch "$work/idle.stop"
    wait "$idle_pid" || true
    idle_pid=
    read -r opened failed took errors < "$work/idle.ready"
    held=$(cat "$work/idle.result" 2>/dev/null || echo "")
    echo "$target: $opened opened in ${took}s ($failed failed: $errors), $held still open when measured"
    awk -v b="$before" -v a="$after" -v t="$target" -v o="$opened" -v h="$held" -v hb="$heap_before" -v ha="$heap_after" \
        'BEGIN { printf "idle,idle,%s,,,,,,,%.1f,%.1f,%.1f,%s,%s,%s,%s\n", t, b / 1024, a / 1024, (a - b) / 1024, o, h,
                 hb == "" ? "" : sprintf("%.1f", hb / 1024), ha == "" ? "" : sprintf("%.1f", ha / 1024) }' \
        | sed "s/\$/,$idle_before,$(machine_columns "$idle_before")/" | tee -a "$OUT/tls.csv"
    sleep 2  # the closed connections freed before the next target
done

{
    echo "# TLS benchmark"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; $ROUNDS rounds interleaved (each load against every target in turn), $DURATION per run,"
    echo "after a warm-up of $WARMUP per load and target; all on loopback. TLS 1.3 only, one ECDSA P-256 certificate for localhost;"
    echo "every client offers the cipher suite $CLIENT_CIPHERSUITE alone. Backends: nginx (2 workers) on 127.0.0.2-4:5000"
    echo "answering the replica's /home JSON; requests to /home?id=N (wrk also sends X-Request-ID: N)."
    echo
    echo "- h1: HTTPS/1.1 keep-alive, wrk -t$THREADS -c$CONNECTIONS --latency"
    echo "- h1-close: the same with Connection: close, a new connection and a full handshake (session resumption off in wrk) per request"
    [[ " $LOADS " == *" h1-resume "* ]] && echo "- h1-resume: as h1-close but wrk resumes its sessions (TLS 1.3 PSK with (EC)DHE)"
    echo "- h2: HTTP/2, h2load -c$H2_CLIENTS -m$H2_STREAMS -t$H2_THREADS -D $DURATION; errors: requests failed or answered other than 2xx"
    echo
    echo "Versions:"
    echo
    echo "- $(nginx -v 2>&1 | sed 's/.*: //'): $(nginx -V 2>&1 | grep -i openssl | head -1)"
    echo "- $(haproxy -v | head -1 | cut -d' ' -f1-3): $(haproxy -vv | grep -i 'openssl version' | sed 's/ *: */ /' | paste -sd ';' | sed 's/;/; /')"
    for target in lb lb-jdk; do
        [[ " $TARGETS " == *" $target "* ]] || continue
        echo "- $target ($LB_JVM_OPTS, $($LB_JAVA -version 2>&1 | head -1)): $(grep -m1 'TLS on' "$work/$target.log" | sed 's/.* - //')"
    done
    echo "- clients: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), $(h2load --version), python3 $(python3 -c 'import ssl, sys; print(sys.version.split()[0], ssl.OPENSSL_VERSION)')"
    echo
    echo "Negotiated (openssl s_client offering h2,http/1.1):"
    echo
    for target in $TARGETS; do echo "- $target: ${negotiated[$target]}"; done
    echo
    echo "Machine state (bench/lib.sh), for each round (every load against every target) and for each target's idle connections:"
    echo "$(machine_rule | paste -sd ' ')."
    echo "$MACHINE_COLUMNS_TEXT"
    echo
    report_python "$OUT/tls.csv" "$TARGETS" "$LOADS" "$IDLE_CONNECTIONS" "$work/rounds.csv" <<'PY'
import csv, statistics, sys
import machine
rows = list(csv.DictReader(open(sys.argv[1])))
targets, loads, idle_count = sys.argv[2].split(), sys.argv[3].split(), int(sys.argv[4])
sampled = {r["round"]: r["sampled_s"] for r in csv.DictReader(open(sys.argv[5]))}
measured = [r for r in rows if r["round"] != "idle"]
verdict = machine.verdicts(measured)
groups = machine.by_machine(verdict)
names = {"h1": "HTTPS/1.1 keep-alive", "h1-close": "a full TLS handshake per request (Connection: close)",
         "h1-resume": "a resumed TLS handshake per request (Connection: close)", "h2": "HTTP/2 over TLS"}
def num(v):
    return float(v) if v not in ("", None) else None
def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None
def fmt(v, f="{:.0f}"):
    return f.format(v) if v is not None else "-"
def plural(n, word):
    return f"{n} {word}{'s' if n != 1 else ''}"
# ratios within each round against the slower and the faster of nginx and HAProxy (for p99 and CPU: the worse, the better)
def ratios(a, load, column, higher_better, which, within):
    values = []
    for rd in within:
        row = {r["target"]: r for r in measured if r["round"] == rd and r["load"] == load}
        if a not in row or num(row[a][column]) is None: continue
        others = [num(row[t][column]) for t in ("nginx", "haproxy") if t in row and num(row[t][column])]
        if not others: continue
        worse = min(others) if higher_better else max(others)
        better = max(others) if higher_better else min(others)
        values.append(num(row[a][column]) / (worse if which == "slower" else better))
    return values

# the summary: how many rounds were quiet, and the headline ratio of each load, the quiet rounds' first
headline = []
for load in loads:
    parts = [f"{statistics.median(v):.2f} on a {m} machine ({plural(len(v), 'round')})"
             for m, within in groups for v in [ratios("lb", load, "requests_per_s", True, "slower", within)] if v]
    if parts:
        headline.append(f"{load}: " + ", ".join(parts))
print(machine.summary(verdict) + ("\nlb requests/s / the slower of nginx and HAProxy, " + "; ".join(headline) + "." if headline else "")
      + " The CPU time per request holds better than requests/s on a busy machine.")
print(f"\n| round | machine | sampled before s | {machine.HEADER} |\n|---:|---|---:|{machine.ALIGN}|")
for rd, v in verdict.items():
    print(f"| {rd} | {v} | {sampled.get(rd, '-')} | {machine.state([r for r in measured if r['round'] == rd])} |")

for load in loads:
    print(f"\n## {load}: {names[load]}\n")
    if load == "h2":
        print(f"| target | requests/s | per round | errors | CPU µs/request | per round | machine | rounds | {machine.HEADER} |\n"
              f"|---|---:|---|---:|---:|---|---|---:|{machine.ALIGN}|")
    else:
        print(f"| target | requests/s | per round | p50 ms | p99 ms | p99 per round | errors | CPU µs/request | per round | machine | rounds | {machine.HEADER} |\n"
              f"|---|---:|---|---:|---:|---|---:|---:|---|---|---:|{machine.ALIGN}|")
    for m, within in groups:
        for t in targets:
            rs = [r for r in measured if r["load"] == load and r["target"] == t and r["round"] in within]
            if not rs: continue
            rps = [num(r["requests_per_s"]) for r in rs]
            cpu = [num(r["cpu_us_per_request"]) for r in rs]
            errors = sum(int(r["errors"] or 0) for r in rs)
            per = lambda vs, f="{:.0f}": " ".join(fmt(v, f) for v in vs)
            state = f"{m} | {len(rs)} | {machine.state(rs)}"
            if load == "h2":
                print(f"| {t} | {fmt(med(rps))} | {per(rps)} | {errors} | {fmt(med(cpu), '{:.1f}')} | {per(cpu, '{:.1f}')} | {state} |")
            else:
                p50 = [num(r["p50_ms"]) for r in rs]; p99 = [num(r["p99_ms"]) for r in rs]
                print(f"| {t} | {fmt(med(rps))} | {per(rps)} | {fmt(med(p50), '{:.2f}')} | {fmt(med(p99), '{:.2f}')} | {per(p99, '{:.2f}')} | "
                      f"{errors} | {fmt(med(cpu), '{:.1f}')} | {per(cpu, '{:.1f}')} | {state} |")
    if load == "h2":
        h2 = [r for r in measured if r["load"] == load and r["target"] in targets]
        total = sum(int(r["requests"] or 0) for r in h2)
        bad = sum(int(r["errors"] or 0) for r in h2)
        print(f"\nEvery HTTP/2 request succeeded (2xx): {'yes' if bad == 0 else 'NO'} ({total - bad} of {total} over all targets and rounds).")
    lines = []
    for m, within in groups:
        for a in ("lb", "lb-jdk"):
            if a not in targets: continue
            for column, what, higher_better in (("requests_per_s", "requests/s", True), ("p99_ms", "p99", False),
                                                ("cpu_us_per_request", "CPU per request", False)):
                if load == "h2" and column == "p99_ms": continue
                for which in ("slower", "faster"):
                    values = ratios(a, load, column, higher_better, which, within)
                    if values:
                        label = which if column == "requests_per_s" else {"slower": "worse", "faster": "better"}[which]
                        lines.append(f"| {a} {what} / the {label} of nginx and HAProxy | {statistics.median(values):.2f} | "
                                     + " ".join(f"{v:.2f}" for v in values) + f" | {m} | {len(values)} |")
    if lines:
        print("\nRatios taken within each round (median over the rounds, then each round; requests/s: above 1 is faster;"
              " p99 and CPU per request: below 1 is better), the quiet rounds' apart from the busy ones':\n")
        print("| ratio | median | per round | machine | rounds |\n|---|---:|---|---|---:|")
        print("\n".join(lines))
idle = [r for r in rows if r["round"] == "idle"]
if idle:
    print(f"\n## {idle_count} idle TLS connections\n")
    print("Each target in turn after its loads: python3 asyncio opens the connections (TLS 1.3 handshake, ALPN http/1.1, up to 200 at once),"
          " sends nothing; VmRSS of the process and its children (nginx: master and workers) before and "
          "after; \"held\": connections still open when the RSS was read. For the JVM the loads before had already made most of"
          " its heap resident, so its RSS growth is mostly native memory (BoringSSL, direct buffers); what the connections hold"
          " on the heap is its live size after a full GC (jcmd GC.run, then GC.heap_info), before and with the connections open."
          " Machine state while each target held them; each judged on its own.\n")
    print(f"| target | RSS before MiB | RSS after MiB | growth MiB | KiB per connection | opened | held | live heap before → with MiB | heap KiB per connection | {machine.HEADER} | machine |\n"
          f"|---|---:|---:|---:|---:|---:|---:|---:|---:|{machine.ALIGN}|---|")
    for r in idle:
        growth, opened = float(r["rss_growth_mib"]), int(r["idle_opened"] or 0)
        per = f"{growth * 1024 / opened:.1f}" if opened else "-"
        heap = f"{r['heap_live_before_mib']} → {r['heap_live_after_mib']}" if r["heap_live_after_mib"] else "-"
        heap_per = (f"{(float(r['heap_live_after_mib']) - float(r['heap_live_before_mib'])) * 1024 / opened:.1f}"
                    if r["heap_live_after_mib"] and r["heap_live_before_mib"] and opened else "-")
        print(f"| {r['target']} | {r['rss_before_mib']} | {r['rss_after_mib']} | {growth:.1f} | {per} | {opened} | {r['idle_held']} | {heap} | {heap_per} | "
              f"{machine.state([r])} | {r['machine']} |")
PY
} > "$OUT/tls.md"
cat "$OUT/tls.md"

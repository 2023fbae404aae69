#!/usr/bin/env bash
# Proxy benchmark, one run: three fast nginx backends on 127.0.0.2-4:5000, then wrk with identical settings
# against each target in turn, several rounds interleaved: the backend directly, nginx (hash $request_uri
# consistent), HAProxy (balance uri whole, hash-type consistent) and this load balancer (--runtime static), once
# with its default access log (stdout, to a file here) and once with --access-log off (lb-nolog), like nginx and HAProxy.
# Writes bench/results/proxy.md and proxy.csv. Loopback only; stops only what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
LB_JAVA=${LB_JAVA:-java}
LB_JVM_OPTS=${LB_JVM_OPTS:--Xmx256m}
TARGETS=${TARGETS:-direct nginx haproxy lb lb-nolog}
OUT=bench/results

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
command -v haproxy >/dev/null || need+=(haproxy)
if ((${#need[@]})); then
    echo "installing ${need[*]}"
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 "${need[@]}" >/dev/null
fi
[[ -f lb/target/lb.jar ]] || { echo "lb/target/lb.jar missing: run 'make build' first" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

for addr in 127.0.0.2:5000 127.0.0.3:5000 127.0.0.4:5000 127.0.0.1:18080 127.0.0.1:18081 127.0.0.1:18082 127.0.0.1:18083; do
    if (exec 3<>"/dev/tcp/${addr%:*}/${addr#*:}") 2>/dev/null; then echo "$addr is already in use; stop what listens there" >&2; exit 1; fi
done

backend() {  # server block answering like replica $1 on 127.0.0.$(( $1 + 1 )):5000
    cat <<CONF
  server {
    listen 127.0.0.$(( $1 + 1 )):5000;
    location = /home { default_type application/json; return 200 '{"message": "Hello from Server: server-$1", "status": "successful"}'; }
    location = /heartbeat { return 200 ''; }
    location / { return 404; }
  }
CONF
}
cat > "$work/backends.conf" <<CONF
worker_processes 2;
daemon off;
pid $work/backends.pid;
error_log $work/backends.err warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
$(backend 1)
$(backend 2)
$(backend 3)
}
CONF
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
    location / { proxy_pass http://replicas; proxy_http_version 1.1; proxy_set_header Connection ""; }
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
-- and in X-Request-ID (hashed by this load balancer)
local n = 0
request = function()
  n = n + 1
  local id = 100000 + (n * 7919) % 900000
  return wrk.format("GET", "/home?id=" .. id, {["X-Request-ID"] = tostring(id)})
end
LUA

await_http() {
    for _ in $(seq 1 300); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
    echo "$1 did not answer" >&2; exit 1
}

nginx -p "$work" -c "$work/backends.conf" & pids+=($!)
await_http http://127.0.0.2:5000/heartbeat
declare -A url=([direct]=http://127.0.0.2:5000 [nginx]=http://127.0.0.1:18080 [haproxy]=http://127.0.0.1:18081 [lb]=http://127.0.0.1:18082
                [lb-nolog]=http://127.0.0.1:18083)
for target in $TARGETS; do
    case $target in
        nginx) nginx -p "$work" -c "$work/nginx.conf" & pids+=($!) ;;
        haproxy) haproxy -db -f "$work/haproxy.cfg" & pids+=($!) ;;
        lb) $LB_JAVA $LB_JVM_OPTS -jar lb/target/lb.jar --runtime static --port 18082 --bind 127.0.0.1 --management-port -1 \
                --backends 127.0.0.2:5000,127.0.0.3:5000,127.0.0.4:5000 >"$work/lb.access.log" 2>"$work/lb.log" & pids+=($!) ;;
        lb-nolog) $LB_JAVA $LB_JVM_OPTS -jar lb/target/lb.jar --runtime static --port 18083 --bind 127.0.0.1 --management-port -1 \
                --access-log off --backends 127.0.0.2:5000,127.0.0.3:5000,127.0.0.4:5000 >"$work/lb-nolog.log" 2>&1 & pids+=($!) ;;
    esac
    await_http "${url[$target]}/home"
    echo "warming up $target"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP:-20s}" -s "$work/request.lua" "${url[$target]}" >/dev/null
done

to_ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.2f", v }'; }
echo "round,target,requests_per_s,p50_ms,p99_ms,errors" > "$OUT/proxy.csv"
for round in $(seq 1 "$ROUNDS"); do
    for target in $TARGETS; do
        result=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/request.lua" "${url[$target]}")
        rps=$(awk '/^Requests\/sec/ { print $2 }' <<<"$result")
        p50=$(awk '$1 == "50%" { print $2 }' <<<"$result" | to_ms)
        p99=$(awk '$1 == "99%" { print $2 }' <<<"$result" | to_ms)
        errors=$(awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' <<<"$result")
        echo "$round,$target,$rps,$p50,$p99,$errors" | tee -a "$OUT/proxy.csv"
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
    echo "| target | requests/s | p50 ms | p99 ms | errors | vs nginx | vs HAProxy |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    awk -F, 'NR > 1 { rps[$2] = rps[$2] " " $3; p50[$2] = p50[$2] " " $4; p99[$2] = p99[$2] " " $5; err[$2] += $6; order[$2] = order[$2] ? order[$2] : NR }
        function median(list,   a, n, i, j, t) { n = split(list, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
                                 return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        END { for (t in rps) m[t] = median(rps[t])
              split("direct nginx haproxy lb lb-nolog", ts, " ")
              for (i = 1; i <= 5; i++) { t = ts[i]; if (!(t in rps)) continue
                  printf "| %s | %.0f | %.2f | %.2f | %d | %s | %s |\n", t, m[t], median(p50[t]), median(p99[t]), err[t],
                      ("nginx" in m) ? sprintf("%.2f", m[t] / m["nginx"]) : "-", ("haproxy" in m) ? sprintf("%.2f", m[t] / m["haproxy"]) : "-" } }' "$OUT/proxy.csv"
} > "$OUT/proxy.md"
cat "$OUT/proxy.md"

#!/usr/bin/env bash
# A certificate replaced under load: the load balancer (3 local replicas) on a TLS port, under wrk (HTTPS/1.1
# keep-alive), wrk with Connection: close (a handshake per request) and h2load (HTTP/2) at once for DURATION s; a third
# of the way in the certificate and key are replaced by rename, as certbot and Kubernetes do; two thirds in, the key is
# overwritten with garbage. Measures how long until a new handshake gets the new certificate, that the bad file
# changes nothing, and counts failed requests (there must be none). The machine's state beside it (bench/lib.sh): the
# run first samples the CPU that other processes and the hypervisor take (again while busy, up to QUIET_WAIT s), and is
# marked quiet or busy by that and by the same shares during the run (QUIET_STEAL, QUIET_OTHER_CPU; the load average
# only recorded). Writes bench/results/tls-swap.md (OUT).
# Loopback only; stops only what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-30}
OUT=${OUT:-bench/results}
PORT=${PORT:-18480}
MGMT=$((PORT + 1))
TLS=$((PORT + 2))
source bench/lib.sh
[[ -f lb/target/lb.jar ]] || { echo "lb/target/lb.jar missing: run 'make build' first" >&2; exit 1; }
for tool in wrk h2load openssl curl; do command -v $tool >/dev/null || { echo "needs $tool (wrk, nghttp2-client, openssl, curl)" >&2; exit 1; }; done

work=$(mktemp -d)
pids=()
cleanup() {
    stop_started
    rm -rf "$work"
}
trap cleanup EXIT

make_pair() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/$1.key" -out "$work/$1.crt" -days 30 \
        -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null
}
served_serial() {
    echo | openssl s_client -connect 127.0.0.1:$TLS -servername localhost 2>/dev/null | openssl x509 -noout -serial 2>/dev/null | cut -d= -f2
}
file_serial() { openssl x509 -noout -serial -in "$1" | cut -d= -f2; }
now_ms() { date +%s%3N; }

make_pair first
make_pair second
cp "$work/first.crt" "$work/tls.crt"
cp "$work/first.key" "$work/tls.key"

java -Xmx256m -XX:+UseParallelGC -jar lb/target/lb.jar --runtime local --replicas 3 --bind 127.0.0.1 --port "$PORT" \
    --management-port "$MGMT" --tls-port "$TLS" --tls-cert "$work/tls.crt" --tls-key "$work/tls.key" --access-log off \
    > "$work/lb.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 240); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/rep" && break; sleep 0.5; done
[[ $(served_serial) == $(file_serial "$work/first.crt") ]] || { echo "the first certificate is not served" >&2; cat "$work/lb.log" >&2; exit 1; }
# warm-up, so that the measured run does not start with a cold JIT
wrk -t1 -c16 -d5s https://localhost:$TLS/home >/dev/null
read -r before sampled <<<"$(wait_quiet)"
echo "before the run: $(machine_before_text "$before" "$sampled")"
IFS=, read -r load_before steal_before other_before <<<"$before"

machine_watch_start

wrk -t1 -c32 -d"${DURATION}s" --latency https://localhost:$TLS/home > "$work/wrk.txt" &
pids+=($!)
wrk -t1 -c8 -d"${DURATION}s" -H 'Connection: close' https://localhost:$TLS/home > "$work/wrk-close.txt" &
pids+=($!)
h2load -c8 -m16 -D "$DURATION" https://localhost:$TLS/home > "$work/h2load.txt" &
h2pid=$!
pids+=("$h2pid")

sleep $((DURATION / 3))
cp "$work/second.crt" "$work/tls.crt.next"
cp "$work/second.key" "$work/tls.key.next"
swapped=$(now_ms)
mv "$work/tls.key.next" "$work/tls.key"
mv "$work/tls.crt.next" "$work/tls.crt"
want=$(file_serial "$work/second.crt")
until [[ $(served_serial) == "$want" ]]; do
    (( $(now_ms) - swapped < 10000 )) || { echo "the new certificate was not served within 10 s" >&2; exit 1; }
    sleep 0.02
done
swap_ms=$(( $(now_ms) - swapped ))

sleep $((DURATION / 3))
echo "not a key" > "$work/tls.key"
sleep 2
bad_serial=$(served_serial)

for pid in "${pids[@]:1}"; do wait "$pid"; done
machine_watch_stop
IFS=, read -r load_max steal other verdict <<<"$(machine_columns "$before")"
metrics=$(curl -s http://127.0.0.1:$MGMT/metrics)
applied=$(grep '^lb_tls_reloads_total{result="applied"}' <<<"$metrics" | awk '{print $2}')
refused=$(grep '^lb_tls_reloads_total{result="refused"}' <<<"$metrics" | awk '{print $2}')

wrk_summary() {  # requests, non-2xx, socket errors
    local f=$1
    local requests non2xx socket
    requests=$(awk '/requests in/ {print $1}' "$f")
    non2xx=$(awk '/Non-2xx or 3xx responses/ {print $NF}' "$f"); non2xx=${non2xx:-0}
    socket=$(awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}' "$f"); socket=${socket:-0}
    echo "$requests $non2xx $socket"
}
read -r k_requests k_non2xx k_socket <<<"$(wrk_summary "$work/wrk.txt")"
read -r c_requests c_non2xx c_socket <<<"$(wrk_summary "$work/wrk-close.txt")"
h2_done=$(awk '/^requests:/ {print $8}' "$work/h2load.txt")
h2_failed=$(awk '/^requests:/ {print $10 + $12 + $14}' "$work/h2load.txt")
h2_non2xx=$(awk '/^status codes:/ {print $5 + $7 + $9}' "$work/h2load.txt")

mkdir -p "$OUT"
{
    echo "# A certificate replaced under load"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%MZ), $CORES cores; \`bench/tls-swap.sh\` (DURATION=$DURATION s)."
    echo "The load balancer with 3 local replicas, TLS 1.3 (provider: $(grep -o 'provider [a-z]* ([^)]*)\|provider [a-z]*' "$work/lb.log" | head -1)); at once"
    echo "wrk -c32 (HTTPS/1.1 keep-alive), wrk -c8 with Connection: close (a handshake per request), h2load -c8 -m16 (HTTP/2)."
    echo "At $((DURATION / 3)) s the certificate and key were replaced by rename; at $((2 * DURATION / 3)) s the key was overwritten with garbage."
    echo
    echo "Machine: $verdict ($(machine_rule | paste -sd ' ')); the timings below are $verdict-machine figures."
    echo
    echo "| what | result |"
    echo "|---|---|"
    echo "| new certificate served to a new handshake | $swap_ms ms after the files changed |"
    echo "| after the bad key | $([[ $bad_serial == "$want" ]] && echo "the new certificate still served (nothing changed)" || echo "CHANGED: $bad_serial") |"
    echo "| reloads (lb_tls_reloads_total) | applied $applied, refused $refused |"
    echo "| HTTPS/1.1 keep-alive (wrk) | $k_requests requests, $k_non2xx not 2xx, $k_socket socket errors |"
    echo "| a handshake per request (wrk, Connection: close) | $c_requests requests, $c_non2xx not 2xx, $c_socket socket errors |"
    echo "| HTTP/2 (h2load) | $h2_done done, $h2_failed failed or errored, $h2_non2xx not 2xx |"
    echo "| machine | $verdict: processes the benchmark did not start $other_before % of the CPU time before (the last $QUIET_SAMPLE s of $sampled s sampled), $other % during; steal $steal_before % before, $steal % during; load average $load_before before, at most $load_max during |"
} > "$OUT/tls-swap.md"
cat "$OUT/tls-swap.md"
(( k_non2xx + k_socket + c_non2xx + c_socket + h2_failed + h2_non2xx == 0 )) || { echo "requests failed" >&2; exit 1; }
[[ $bad_serial == "$want" ]] || exit 1

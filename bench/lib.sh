# shellcheck shell=bash disable=SC2154  # work and pids are the sourcing script's
# Shared by the benchmark scripts, sourced after `cd` to the repository root: tools, ports, the nginx backends, the
# processes a script started, and the machine's state around each measured run, so that every figure says whether the
# machine was quiet when it was taken. Uses the calling script's `work` (its temporary directory) and `pids` (the
# processes it started, stopped by stop_started) where a function says so.

source bench/wrk-output.sh

# A round is quiet when, before it, the 1-minute load average per core is below QUIET_LOAD, and during each of its runs
# the hypervisor stole less than QUIET_STEAL % of the CPU time and the processes this script did not start used less
# than QUIET_OTHER_CPU % of it. The runs before raise the load average themselves (wrk on both cores leaves it near 2
# for minutes), so each round first waits up to QUIET_WAIT seconds for it to fall.
QUIET_LOAD=${QUIET_LOAD:-0.3}
QUIET_STEAL=${QUIET_STEAL:-2}
QUIET_OTHER_CPU=${QUIET_OTHER_CPU:-5}
QUIET_WAIT=${QUIET_WAIT:-180}
CORES=$(nproc)

# install_missing COMMAND:PACKAGE...: installs the packages whose command is missing
install_missing() {
    local need=() pair
    for pair in "$@"; do command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}"); done
    ((${#need[@]})) || return 0
    echo "installing ${need[*]}"
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 "${need[@]}" >/dev/null
}

# refuse_taken HOST:PORT...: exits when something already listens on one of them
refuse_taken() {
    local addr
    for addr in "$@"; do
        if (exec 3<>"/dev/tcp/${addr%:*}/${addr#*:}") 2>/dev/null; then echo "$addr is already in use; stop what listens there" >&2; exit 1; fi
    done
}

await_http() {
    for _ in $(seq 1 300); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
    echo "$1 did not answer" >&2; exit 1
}

# stops the processes in `pids` and the machine sampler, if one runs
stop_started() {
    machine_watch_cancel
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}

# shellcheck disable=SC2120  # LOCATIONS is optional
# start_backends [LOCATIONS]: three fast nginx backends (2 workers) on 127.0.0.2-4:5000 answering like replicas 1-3
# (/home, /heartbeat), LOCATIONS added to each; config in $work/backends.conf, the master added to `pids`
start_backends() {
    local extra=${1:-} n
    {
        echo "worker_processes 2;"
        echo "daemon off;"
        echo "pid $work/backends.pid;"
        echo "error_log $work/backends.err warn;"
        echo "events { worker_connections 4096; }"
        echo "http {"
        echo "  access_log off;"
        echo "  keepalive_requests 10000000;"
        for n in 1 2 3; do
            cat <<CONF
  server {
    listen 127.0.0.$((n + 1)):5000;
    location = /home { default_type application/json; return 200 '{"message": "Hello from Server: server-$n", "status": "successful"}'; }
    location = /heartbeat { return 200 ''; }
${extra:+$extra
}    location / { return 404; }
  }
CONF
        done
        echo "}"
    } > "$work/backends.conf"
    nginx -p "$work" -c "$work/backends.conf" & pids+=($!)
    for n in 2 3 4; do await_http "http://127.0.0.$n:5000/heartbeat"; done
}

# every process's /proc/PID/stat line (mawk stops at a file that vanished since the glob: cat goes on)
proc_stat_lines() { cat /proc/[0-9]*/stat 2>/dev/null || true; }

# CPU time (user + system, in clock ticks) of process $1 and its children (nginx's workers): what a proxy costs per
# request holds better than requests/s on a shared machine, where the other processes take what they take
cpu_ticks() {
    proc_stat_lines | awk -v pid="$1" '{ p = $1; sub(/^[0-9]+ \(.*\) /, ""); if (p == pid || $2 == pid) t += $12 + $13 }
        END { print t + 0 }'
}

# CPU time (clock ticks) of everything this script started, directly or not: the processes under it now, and those gone
# (a parent's cutime and cstime hold what its waited-for children used)
own_ticks() {
    proc_stat_lines | awk -v root="$$" '{ p = $1; sub(/^[0-9]+ \(.*\) /, ""); parent[p] = $2; t[p] = $12 + $13 + $14 + $15 }
        END { for (p in t) { q = p; for (depth = 0; q != root && (q in parent) && depth < 64; depth++) q = parent[q]
                             if (q == root) s += t[p] }
              print s + 0 }'
}

load1() { local l _; read -r l _ < /proc/loadavg; echo "$l"; }

# waits up to QUIET_WAIT seconds for the 1-minute load average per core to fall below QUIET_LOAD; prints
# "LOAD1 SECONDS_WAITED"
wait_quiet() {
    local start=$SECONDS
    while ((SECONDS - start < QUIET_WAIT)) && ! awk -v c="$CORES" -v q="$QUIET_LOAD" '{ exit !($1 / c < q) }' /proc/loadavg; do
        sleep 5
    done
    echo "$(load1) $((SECONDS - start))"
}

# "LOAD1 USER NICE SYSTEM IDLE IOWAIT IRQ SOFTIRQ STEAL" now (the CPU figures in clock ticks, all cores)
machine_sample() {
    local l user nice system idle iowait irq softirq steal _
    read -r l _ < /proc/loadavg
    read -r _ user nice system idle iowait irq softirq steal _ < /proc/stat
    echo "$l $user $nice $system $idle $iowait $irq $softirq $steal"
}

machine_sampler=
# machine_watch_start: samples the machine every second into $work/machine.samples until machine_watch_stop
machine_watch_start() {
    machine_own_before=$(own_ticks)
    (
        trap 'kill "$nap" 2>/dev/null; exit 0' TERM
        nap=
        while :; do machine_sample; sleep 1 & nap=$!; wait "$nap"; done
    ) > "$work/machine.samples" &
    machine_sampler=$!
}

# machine_watch_stop: sets machine_state to "LOAD1_MAX,STEAL_PCT,OTHER_CPU_PCT" since machine_watch_start: the highest
# 1-minute load average, the share of the machine's CPU time stolen by the hypervisor, and the share that processes
# this script did not start used (user + nice + system time less this script's; the kernel's interrupt time is left
# out, as the benchmark's own loopback traffic is handled there and belongs to no process). Not in a subshell: it
# stops the sampler, which only this shell can wait for.
machine_watch_stop() {
    machine_watch_cancel
    local own
    own=$(($(own_ticks) - machine_own_before))
    machine_sample >> "$work/machine.samples"
    # shellcheck disable=SC2034  # the caller's
    machine_state=$(awk -v own="$own" 'NR == 1 { split($0, first) } { if ($1 + 0 > max) max = $1 + 0; split($0, last) }
        END { for (i = 2; i <= 9; i++) total += last[i] - first[i]
              busy = last[2] + last[3] + last[4] - first[2] - first[3] - first[4]
              other = busy - own < 0 ? 0 : busy - own
              printf "%.2f,%.1f,%.1f\n", max, total ? 100 * (last[9] - first[9]) / total : 0, total ? 100 * other / total : 0 }' \
        "$work/machine.samples")
}

machine_watch_cancel() {
    [[ -n $machine_sampler ]] || return 0
    kill "$machine_sampler" 2>/dev/null || true
    wait "$machine_sampler" 2>/dev/null || true
    machine_sampler=
}

# machine_verdict LOAD1_BEFORE STEAL_PCT OTHER_CPU_PCT: quiet or busy
machine_verdict() {
    awk -v l="$1" -v s="$2" -v o="$3" -v c="$CORES" -v ql="$QUIET_LOAD" -v qs="$QUIET_STEAL" -v qo="$QUIET_OTHER_CPU" \
        'BEGIN { print (l / c < ql && s < qs && o < qo) ? "quiet" : "busy" }'
}

# machine_columns LOAD1_BEFORE: "LOAD1_MAX,STEAL_PCT,OTHER_CPU_PCT,quiet|busy" for the run machine_watch_stop ended,
# in a round that began at that load average
machine_columns() {
    local steal other
    IFS=, read -r _ steal other <<<"$machine_state"
    echo "$machine_state,$(machine_verdict "$1" "$steal" "$other")"
}

# the rule, for the reports
machine_rule() {
    echo "quiet: before it, the 1-minute load average below $QUIET_LOAD per core ($(awk -v c="$CORES" -v q="$QUIET_LOAD" 'BEGIN { print c * q }') on $CORES cores;"
    echo "waiting up to $QUIET_WAIT s for it), and during each of its runs hypervisor steal below $QUIET_STEAL % and the processes the"
    echo "benchmark did not start below $QUIET_OTHER_CPU % of the machine's CPU time (user + system; interrupts left out); otherwise busy"
}

# report_python ARG... < SCRIPT: runs a report's python, which may import bench/machine.py (leaving no bytecode behind)
report_python() { PYTHONPATH=bench PYTHONDONTWRITEBYTECODE=1 python3 - "$@"; }

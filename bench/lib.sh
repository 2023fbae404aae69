# shellcheck shell=bash disable=SC2154,SC2034  # work and pids are the sourcing script's; CORES and the MACHINE_ values are for it
# Shared by the benchmark scripts, sourced after `cd` to the repository root: tools, ports, the nginx backends, the
# processes a script started, and the machine's state around each measured run, so that every figure says whether the
# machine was quiet when it was taken. Uses the calling script's `work` (its temporary directory) and `pids` (the
# processes it started, stopped by stop_started) where a function says so.

source bench/wrk-output.sh

# A round is quiet when the machine leaves it the CPU: over QUIET_SAMPLE seconds just before it, and during each of its
# runs, the hypervisor stole less than QUIET_STEAL % of the CPU time and the processes this script did not start used
# less than QUIET_OTHER_CPU % of it. While the sample before a round says busy it is taken again, for up to QUIET_WAIT
# seconds in all. The 1-minute load average is recorded beside, as information only: the benchmark's own runs keep it
# high for minutes after them (wrk on both cores leaves it near 2), so a rule on it called rounds busy on an idle machine.
QUIET_STEAL=${QUIET_STEAL:-2}
QUIET_OTHER_CPU=${QUIET_OTHER_CPU:-5}
QUIET_SAMPLE=${QUIET_SAMPLE:-5}
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

# start_one_backend HOST:PORT: one nginx backend (1 worker) there answering like replica 1 (/home, /heartbeat), for the
# profiles that want the load balancer alone in the picture; config in $work/backend.conf, the master added to `pids`
start_one_backend() {
    cat > "$work/backend.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/backend.pid;
error_log $work/backend.err warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 10000000;
  server {
    listen $1;
    location = /home { default_type application/json; return 200 '{"message": "Hello from Server: server-1", "status": "successful"}'; }
    location = /heartbeat { return 200 ''; }
    location / { return 404; }
  }
}
CONF
    nginx -p "$work" -c "$work/backend.conf" & pids+=($!)
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

# wait_quiet: samples the machine for QUIET_SAMPLE s, again while that says busy, for up to QUIET_WAIT s in all; prints
# "LOAD1,STEAL_PCT,OTHER_CPU_PCT SECONDS" for the last sample (the load average at its end) and the seconds sampled
wait_quiet() {
    local start=$SECONDS first last own shares
    while :; do
        first=$(machine_sample)
        own=$(own_ticks)
        sleep "$QUIET_SAMPLE"
        own=$(($(own_ticks) - own))
        last=$(machine_sample)
        shares=$(cpu_shares "$first" "$last" "$own")
        [[ $(machine_verdict "${shares%,*}" "${shares#*,}") == quiet ]] && break
        ((SECONDS - start < QUIET_WAIT)) || break
    done
    echo "${last%% *},$shares $((SECONDS - start))"
}

# machine_before_text BEFORE SECONDS: the line a script prints for what wait_quiet found
machine_before_text() {
    local load steal other
    IFS=, read -r load steal other <<<"$1"
    echo "processes the benchmark did not start used $other % of the CPU, steal $steal % (the last $QUIET_SAMPLE s of $2 s sampled;" \
         "load average $load, information only): $(machine_verdict "$steal" "$other")"
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

# cpu_shares FIRST LAST OWN_TICKS: "STEAL_PCT,OTHER_CPU_PCT" between two machine_sample lines: the share of the machine's
# CPU time stolen by the hypervisor, and the share that processes this script did not start used (user + nice + system
# time less OWN_TICKS, this script's; the kernel's interrupt time is left out, as the benchmark's own loopback traffic is
# handled there and belongs to no process)
cpu_shares() {
    awk -v own="$3" -v a="$1" -v b="$2" 'BEGIN { split(a, first); split(b, last)
        for (i = 2; i <= 9; i++) total += last[i] - first[i]
        busy = last[2] + last[3] + last[4] - first[2] - first[3] - first[4]
        other = busy - own < 0 ? 0 : busy - own
        printf "%.1f,%.1f\n", total ? 100 * (last[9] - first[9]) / total : 0, total ? 100 * other / total : 0 }'
}

# machine_watch_stop: sets machine_state to "LOAD1_MAX,STEAL_PCT,OTHER_CPU_PCT" since machine_watch_start: the highest
# 1-minute load average and cpu_shares over the whole run. Not in a subshell: it stops the sampler, which only this
# shell can wait for.
machine_watch_stop() {
    machine_watch_cancel
    local own
    own=$(($(own_ticks) - machine_own_before))
    machine_sample >> "$work/machine.samples"
    # shellcheck disable=SC2034  # the caller's
    machine_state="$(awk '{ if ($1 + 0 > max) max = $1 + 0 } END { printf "%.2f", max }' "$work/machine.samples"),$(cpu_shares \
        "$(head -1 "$work/machine.samples")" "$(tail -1 "$work/machine.samples")" "$own")"
}

machine_watch_cancel() {
    [[ -n $machine_sampler ]] || return 0
    kill "$machine_sampler" 2>/dev/null || true
    wait "$machine_sampler" 2>/dev/null || true
    machine_sampler=
}

# machine_verdict STEAL_PCT OTHER_CPU_PCT...: quiet when every steal share is below QUIET_STEAL % and every other share
# below QUIET_OTHER_CPU %, otherwise busy
machine_verdict() {
    awk -v qs="$QUIET_STEAL" -v qo="$QUIET_OTHER_CPU" -v shares="$*" \
        'BEGIN { n = split(shares, v, " "); quiet = 1; for (i = 1; i < n; i += 2) if (v[i] >= qs || v[i + 1] >= qo) quiet = 0
                 print quiet ? "quiet" : "busy" }'
}

# machine_columns BEFORE: "LOAD1_MAX,STEAL_PCT,OTHER_CPU_PCT,quiet|busy" for the run machine_watch_stop ended, in a
# round whose sample before (wait_quiet's "LOAD1,STEAL_PCT,OTHER_CPU_PCT") was BEFORE: quiet only when both were
machine_columns() {
    local steal other steal_before other_before
    IFS=, read -r _ steal other <<<"$machine_state"
    IFS=, read -r _ steal_before other_before <<<"$1"
    echo "$machine_state,$(machine_verdict "$steal_before" "$other_before" "$steal" "$other")"
}

# the columns a benchmark's CSV has for BEFORE and machine_columns
MACHINE_CSV_COLUMNS=load1_before,steal_before_pct,other_cpu_before_pct,load1_max,steal_pct,other_cpu_pct,machine

# what the machine columns of the reports (bench/machine.py) hold
MACHINE_COLUMNS_TEXT="Other CPU % is the share of the machine's CPU time used by processes this benchmark did not start, steal %
the share the hypervisor took; \"before\" over the sample just before the round (the load average at its end), \"during\" the
highest over the round's runs (the load average too)."

# the rule, for the reports
machine_rule() {
    echo "quiet: over $QUIET_SAMPLE s just before it (sampled again while busy, up to $QUIET_WAIT s) and during each of its runs,"
    echo "hypervisor steal below $QUIET_STEAL % and the processes the benchmark did not start below $QUIET_OTHER_CPU % of the machine's"
    echo "CPU time (user + system; interrupts left out); otherwise busy. The 1-minute load average is shown, not judged: the"
    echo "benchmark's own runs keep it high for minutes"
}

# report_python ARG... < SCRIPT: runs a report's python, which may import bench/machine.py (leaving no bytecode behind)
report_python() { PYTHONPATH=bench PYTHONDONTWRITEBYTECODE=1 python3 - "$@"; }

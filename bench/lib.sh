# shellcheck shell=bash disable=SC2154  # work and pids are the sourcing script's
# Shared by the benchmark scripts, sourced after `cd` to the repository root: tools, ports, the nginx backends and the
# processes a script started. Uses the calling script's `work` (its temporary directory) and `pids` (the processes it
# started, stopped by stop_started) where a function says so.

source bench/wrk-output.sh

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

# stops the processes in `pids`
stop_started() {
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

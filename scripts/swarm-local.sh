#!/usr/bin/env bash
# A real two-node Docker Swarm on this one machine, for the swarm tests and for trying --runtime swarm.
#
#   scripts/swarm-local.sh up      make it (idempotent): node 1 = this machine's engine (manager),
#                                  node 2 = a second dockerd in the network namespace clb-node2 (worker)
#   scripts/swarm-local.sh down    remove everything 'up' made
#   scripts/swarm-local.sh status  print what exists
#
# Node 2 lives in its own network namespace, joined to the host by a veth pair in a /30 used only between
# the two (SWARM_LOCAL_NET, default 172.31.254.0/30: host .1, namespace .2); no traffic leaves the machine.
# Its dockerd has its own data root, exec root, pid file and socket (SWARM_LOCAL_DIR, default
# /var/lib/clb-node2 and /run/clb-node2); talk to it with DOCKER_HOST=unix:///run/clb-node2/docker.sock.
# It is started with 'nsenter --net=', not 'ip netns exec': the latter remounts /sys and dockerd then fails
# with "Devices cgroup isn't mounted". 'down' leaves the swarm on the main engine only if 'up' created it.
# Exit 3: cannot run here (not root, no engine, no netns support); callers skip the swarm tests.
set -euo pipefail

NS=clb-node2
VETH_HOST=clb-n2-host
VETH_NS=clb-n2-ns
PREFIX=${SWARM_LOCAL_NET:-172.31.254.0/30}
BASE=${PREFIX%.*}
NODE1_IP=$BASE.1
NODE2_IP=$BASE.2
STATE=${SWARM_LOCAL_STATE:-/run/clb-node2}
DATA=${SWARM_LOCAL_DATA:-/var/lib/clb-node2}
NODE2_SOCK=$STATE/docker.sock
NODE2_PID=$STATE/docker.pid
CREATED_SWARM=$STATE/created-swarm
NODE2="docker -H unix://$NODE2_SOCK"

say() { echo "swarm-local: $*"; }
give_up() { echo "swarm-local: $* -- swarm tests will be skipped" >&2; exit 3; }

node2_answers() { [[ -S $NODE2_SOCK ]] && $NODE2 info >/dev/null 2>&1; }
swarm_state() { docker "$@" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo unknown; }

up() {
    [[ $(id -u) == 0 ]] || give_up "not root"
    command -v ip >/dev/null && command -v nsenter >/dev/null || give_up "ip (iproute2) and nsenter (util-linux) are needed"
    docker info >/dev/null 2>&1 || give_up "no Docker engine answers (scripts/docker-ready.sh starts one)"
    mkdir -p "$STATE" "$DATA"

    if ! ip netns list | grep -qw "^$NS"; then
        ip netns add "$NS" || give_up "cannot create network namespace $NS"
        say "created network namespace $NS"
    fi
    if ! ip link show "$VETH_HOST" >/dev/null 2>&1; then
        ip link add "$VETH_HOST" type veth peer name "$VETH_NS"
        ip link set "$VETH_NS" netns "$NS"
        ip addr add "$NODE1_IP/30" dev "$VETH_HOST"
        ip link set "$VETH_HOST" up
        ip -n "$NS" addr add "$NODE2_IP/30" dev "$VETH_NS"
        ip -n "$NS" link set "$VETH_NS" up
        ip -n "$NS" link set lo up
        say "veth $VETH_HOST ($NODE1_IP) <-> $NS:$VETH_NS ($NODE2_IP)"
    fi

    if ! node2_answers; then
        if [[ -f $NODE2_PID ]] && kill -0 "$(cat "$NODE2_PID")" 2>/dev/null; then
            say "node 2's dockerd (pid $(cat "$NODE2_PID")) runs but does not answer yet"
        else
            rm -f "$NODE2_PID" "$NODE2_SOCK"
            # its own cgroup parent, so node 2's containers are told apart from node 1's in the cgroup tree
            # its own UTS namespace too, so that 'docker node ls' tells the nodes apart by hostname
            nohup nsenter --net="/run/netns/$NS" unshare --uts sh -c 'hostname "$0" && exec dockerd "$@"' "$NS" \
                --data-root "$DATA/docker" --exec-root "$STATE/exec" --pidfile "$NODE2_PID" -H "unix://$NODE2_SOCK" \
                --cgroup-parent clb-node2 >"$STATE/dockerd.log" 2>&1 &
            say "starting node 2's dockerd (log: $STATE/dockerd.log)"
        fi
        for _ in $(seq 1 60); do node2_answers && break; sleep 0.5; done
        node2_answers || { tail -20 "$STATE/dockerd.log" >&2; give_up "node 2's dockerd did not answer within 30 s"; }
    fi

    case $(swarm_state) in
        active)
            [[ $(docker info --format '{{.Swarm.ControlAvailable}}') == true ]] || give_up "this engine is in a swarm but not a manager"
            ;;
        inactive)
            # default dispatcher heartbeats (5 s): with 1 s, a worker starved of CPU on a loaded host was marked down
            # and its tasks shut down; the swarm runtime does not wait for the manager to notice a dead node anyway
            docker swarm init --advertise-addr "$NODE1_IP" --listen-addr "$NODE1_IP:2377" --data-path-addr "$NODE1_IP" >/dev/null
            touch "$CREATED_SWARM"
            say "swarm initialised on the main engine, advertising $NODE1_IP"
            ;;
        *) give_up "the main engine's swarm state is $(swarm_state)" ;;
    esac

    if [[ $(swarm_state -H "unix://$NODE2_SOCK") != active ]]; then
        manager=$(docker info --format '{{(index .Swarm.RemoteManagers 0).Addr}}')
        $NODE2 swarm join --token "$(docker swarm join-token -q worker)" --advertise-addr "$NODE2_IP" \
            --listen-addr "$NODE2_IP:2377" --data-path-addr "$NODE2_IP" "$manager" >/dev/null
        say "node 2 joined as a worker"
    fi
    for _ in $(seq 1 60); do
        [[ $(docker node ls --filter role=worker --format '{{.Status}}' | grep -c Ready) -ge 1 ]] && break
        sleep 0.5
    done
    say "ready: $(docker node ls --format '{{.Hostname}}/{{.ManagerStatus}}/{{.Status}}' | tr '\n' ' ')"
}

down() {
    [[ $(id -u) == 0 ]] || give_up "not root"
    local node2_id=""
    if node2_answers; then
        node2_id=$($NODE2 info --format '{{.Swarm.NodeID}}' 2>/dev/null || true)
        $NODE2 swarm leave --force >/dev/null 2>&1 || true
    fi
    if [[ -f $NODE2_PID ]]; then
        pid=$(cat "$NODE2_PID")
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
            kill -0 "$pid" 2>/dev/null && { say "node 2's dockerd ignores SIGTERM; SIGKILL"; kill -9 "$pid"; }
            say "stopped node 2's dockerd (pid $pid)"
        fi
    fi
    if [[ -f $CREATED_SWARM ]]; then
        docker swarm leave --force >/dev/null 2>&1 || true
        # the bridge that joining a swarm adds; gone when nothing uses it any more
        for _ in $(seq 1 20); do docker network rm docker_gwbridge >/dev/null 2>&1 && break; \
            docker network inspect docker_gwbridge >/dev/null 2>&1 || break; sleep 0.5; done
        say "the main engine left the swarm this script created"
    elif [[ -n $node2_id && $(swarm_state) == active ]]; then
        docker node rm --force "$node2_id" >/dev/null 2>&1 || true
    fi
    # the cgroup parent node 2's containers ran under (empty once its dockerd stopped them)
    find /sys/fs/cgroup/*/clb-node2 -depth -type d -exec rmdir {} + 2>/dev/null || true
    ip link del "$VETH_HOST" 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    # overlay and bind mounts under node 2's roots go before the directories
    grep -oE " ($DATA|$STATE)[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$DATA" "$STATE"
    say "down: no namespace $NS, no veth, no second engine"
}

status() {
    ip netns list | grep -w "$NS" || echo "no namespace $NS"
    ip -br addr show "$VETH_HOST" 2>/dev/null || echo "no veth $VETH_HOST"
    node2_answers && echo "node 2 engine: $($NODE2 version --format '{{.Server.Version}}'), swarm $(swarm_state -H "unix://$NODE2_SOCK")" \
        || echo "node 2 engine: not running"
    echo "main engine swarm: $(swarm_state)"
    [[ $(swarm_state) == active ]] && docker node ls || true
}

case ${1:-} in
    up) up ;;
    down) down ;;
    status) status ;;
    *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac

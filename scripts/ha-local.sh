#!/usr/bin/env bash
# The highly available reference deployment on one machine: a cluster of two load-balancer instances on a three-member
# etcd, each instance in a network namespace of its own, with keepalived (VRRPv3, adverts every 0.1 s) holding a virtual
# IP in front of them, as HAProxy and nginx are deployed in pairs; the replicas are Docker containers, which outlive
# either instance.
#
#   scripts/ha-local.sh up      build it; writes target/ha-local.env (shell assignments, see below)
#   scripts/ha-local.sh down    remove every process, namespace, address, container and file 'up' made
#   scripts/ha-local.sh status  print what exists
#   scripts/ha-local.sh holder  which namespace holds the virtual IP
#   scripts/ha-local.sh etcd-kill N | etcd-start N   kill -9 etcd member N (1-3) as a crash; start it again on its data
#   scripts/ha-local.sh lb-stop N    stop instance N (1-2) as a rolling restart does: the virtual IP moved off it first
#   scripts/ha-local.sh lb-start N   start instance N again after it was killed or stopped; prints its PID
#
# Layout (HA_NET, default 10.213.0.0/24, used only here; no traffic leaves the machine): a bridge clb-ha0 on the host
# (.1), namespaces clb-ha1 (.11) and clb-ha2 (.12) joined to it by veth pairs, the virtual IP .100. In each namespace a
# load balancer (public port 5000 on every address, management port 9901 on its own address) and a keepalived whose
# instance goes to FAULT the moment its load balancer's process is gone (a file the shell that waits for it writes,
# followed by inotify), or after two missed checks of its public port (/rep) a second apart when it stops answering
# (frozen, hung), so that the other takes the
# virtual IP within a few adverts. Both are BACKUP with nopreempt: an instance that comes back does not take the
# address back (a rolling restart moves it once per instance).
# etcd: members e1..e3 on the host, clients on .1:23791-23793 (and 127.0.0.1), peers on .1:23801-23803.
# Replicas: containers of the lb-replica image (built with 'make images' when the engine lacks it) on the Docker network
# clb-ha-net, owner label clb-ha, names clb-ha-<hostname>; the instances reach them by their addresses on that network,
# routed by the host (each namespace's default route is the bridge's .1). Both instances run with --cluster-etcd: the
# one elected starts and replaces replicas, both route by the ring in etcd.
#
# target/ha-local.env: VIP, LB1, LB2 (public host:port), MGMT1, MGMT2 (management host:port), LB1_PID, LB2_PID,
# ETCD (endpoints, comma-separated), ETCD_PIDS (in member order), ETCD_DATA (data directories, in member order),
# KEEPALIVED1_PID, KEEPALIVED2_PID, OWNER (the replicas' owner label).
# Exit 3: cannot run here (not root, no network namespaces, keepalived, etcd or a Docker engine missing); callers skip
# their tests.
set -euo pipefail
cd "$(dirname "$0")/.."

NET=${HA_NET:-10.213.0.0/24}
BASE=${NET%.*}
HOST_IP=$BASE.1
VIP=$BASE.100
BRIDGE=clb-ha0
VRID=${HA_VRID:-61}
STATE=target/ha-local
ENV_FILE=target/ha-local.env
LB_JAR=lb/target/lb.jar
REPLICA_JAR=replica/target/replica.jar
OWNER=clb-ha
DOCKER_NET=clb-ha-net
LB_JVM_OPTS=${LB_JVM_OPTS:--Xmx256m -XX:+UseParallelGC}

say() { echo "ha-local: $*"; }
give_up() { echo "ha-local: $*" >&2; exit 3; }
instance_ip() { echo "$BASE.1$1"; }

await() { # await WHAT COMMAND...: up to 30 s
    local what=$1
    shift
    for _ in $(seq 1 300); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "ha-local: $what did not come up; see $STATE/" >&2
    return 1 # set -e and the ERR trap of 'up' clean up
}

serves_replicas() { curl -sf "http://$1/rep" | grep -q '"N": [1-9]'; }

await_long() { # await_long WHAT COMMAND...: up to 180 s
    local what=$1
    shift
    for _ in $(seq 1 1800); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "ha-local: $what did not come up; see $STATE/" >&2
    return 1
}

# start_bg LOG COMMAND...: starts COMMAND in a session of its own, prints its PID (that of COMMAND itself: setsid and
# ip netns exec both exec) and records it in $STATE/pids, so that 'down' stops it even after an 'up' that failed half-way
start_bg() {
    local log=$1
    shift
    setsid "$@" </dev/null >"$log" 2>&1 &
    echo $! >> "$STATE/pids"
    echo $!
}

up() {
    [[ $(id -u) == 0 ]] || give_up "not root"
    command -v ip >/dev/null || give_up "ip (iproute2) is needed"
    command -v keepalived >/dev/null || give_up "keepalived is needed (apt-get install keepalived)"
    command -v etcd >/dev/null && command -v etcdctl >/dev/null || give_up "etcd is needed (apt-get install etcd-server etcd-client)"
    docker info >/dev/null 2>&1 || give_up "a Docker engine is needed for the replicas (scripts/docker-ready.sh)"
    [[ -f $LB_JAR && -f $REPLICA_JAR ]] || { echo "ha-local: $LB_JAR or $REPLICA_JAR missing: run 'make build' first" >&2; exit 1; }
    docker image inspect lb-replica:latest >/dev/null 2>&1 || make images
    if [[ -f $ENV_FILE ]] || ip link show "$BRIDGE" >/dev/null 2>&1 || ip netns list | grep -q '^clb-ha'; then
        echo "ha-local: already up, or left over from an earlier run ($ENV_FILE, $BRIDGE, namespaces clb-ha*): 'down' first" >&2
        exit 1
    fi
    ip netns add clb-ha-probe 2>/dev/null && ip netns del clb-ha-probe || give_up "cannot create network namespaces here"
    mkdir -p "$STATE"
    trap 'echo "ha-local: up failed; cleaning up" >&2; down' ERR
    trap 'echo "ha-local: interrupted; cleaning up" >&2; down; exit 130' INT TERM

    ip link add "$BRIDGE" type bridge
    ip addr add "$HOST_IP/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
    # between the namespaces the traffic is bridged, and where bridged traffic passes iptables (br_netfilter, as Docker
    # sets it up, with FORWARD's policy DROP) the VRRP adverts would be dropped and both instances hold the address
    bridge_forwarding -I
    local n
    for n in 1 2; do
        ip netns add "clb-ha$n"
        ip link add "clb-ha${n}v" type veth peer name eth0 netns "clb-ha$n"
        ip link set "clb-ha${n}v" master "$BRIDGE" up
        ip -n "clb-ha$n" addr add "$(instance_ip $n)/24" dev eth0
        ip -n "clb-ha$n" link set eth0 up
        ip -n "clb-ha$n" link set lo up
        ip -n "clb-ha$n" route add default via "$HOST_IP"
    done

    local etcd_pids=() endpoints=()
    for n in 1 2 3; do
        etcd_pids+=("$(start_etcd "$n" new)")
        endpoints+=("http://$HOST_IP:2379$n")
    done
    for n in 1 2 3; do echo "etcd-$n ${etcd_pids[n - 1]}" >> "$STATE/members"; done
    local etcd
    etcd=$(IFS=,; echo "${endpoints[*]}")
    await "etcd" etcdctl --endpoints "$etcd" endpoint health

    # made here, once: each instance would make it when missing, and two at the same moment make two of that name
    docker network inspect "$DOCKER_NET" >/dev/null 2>&1 || docker network create --label "dev.clb.owner=$OWNER" "$DOCKER_NET" >/dev/null
    local lb_pids=() keepalived_pids=()
    for n in 1 2; do lb_pids+=("$(start_lb "$n" "$etcd")"); done
    # the first instance elected starts the replicas: seconds each on a busy machine
    for n in 1 2; do await_long "load balancer $n with replicas" serves_replicas "$(instance_ip $n):5000"; done

    for n in 1 2; do
        # the first instance has the higher priority, so that it holds the address first; nopreempt keeps it where it is
        # after. A load balancer that is gone puts its instance in FAULT at once (the file); one that stops answering
        # (frozen, hung) after two missed checks a second apart (keepalived checks every whole second at most)
        cat > "$STATE/keepalived-$n.conf" <<CONF
global_defs {
  router_id clb-ha$n
  vrrp_version 3
  script_user root
  enable_script_security
}
track_file lb_gone {
  file "$PWD/$STATE/lb-$n.down"
  weight 0
}
vrrp_script lb_answers {
  script "/usr/bin/curl -sf -o /dev/null -m 0.8 http://$(instance_ip $n):5000/rep"
  interval 1
  timeout 1
  fall 2
  rise 1
}
vrrp_instance clb {
  state BACKUP
  nopreempt
  interface eth0
  virtual_router_id $VRID
  priority $((110 - 10 * n))
  advert_int 0.1
  track_file {
    lb_gone
  }
  track_script {
    lb_answers
  }
  virtual_ipaddress {
    $VIP/24
  }
}
CONF
        keepalived_pids+=("$(start_bg "$STATE/keepalived-$n.log" ip netns exec "clb-ha$n" keepalived --dont-fork --log-console \
            --no-syslog --use-file "$STATE/keepalived-$n.conf" --pid "$STATE/keepalived-$n.pid" --vrrp_pid "$STATE/vrrp-$n.pid")")
    done
    await "the virtual IP" curl -sf "http://$VIP:5000/rep"
    # both start as backups, so for a few adverts both (or neither) may hold it
    await "exactly one holder of the virtual IP" one_holder

    cat > "$ENV_FILE" <<ENV
VIP=$VIP:5000
LB1=$(instance_ip 1):5000
LB2=$(instance_ip 2):5000
MGMT1=$(instance_ip 1):9901
MGMT2=$(instance_ip 2):9901
LB1_PID=${lb_pids[0]}
LB2_PID=${lb_pids[1]}
ETCD=$etcd
ETCD_PIDS="${etcd_pids[*]}"
ETCD_DATA="$(for n in 1 2 3; do printf '%s ' "$PWD/$STATE/etcd-$n"; done)"
OWNER=$OWNER
KEEPALIVED1_PID=${keepalived_pids[0]}
KEEPALIVED2_PID=${keepalived_pids[1]}
ENV
    trap - ERR INT TERM
    say "up: virtual IP $VIP:5000 held by $(holder); $ENV_FILE written"
}

# start_lb N ETCD: load-balancer instance N in its namespace, an instance of the cluster on the etcd endpoints ETCD;
# prints its PID (recorded in $STATE/pids, and in $STATE/lb-N.pid)
start_lb() {
    local n=$1 etcd=$2
    rm -f "$STATE/lb-$n.pid"
    # a shell waits for the load balancer and writes 1 into lb-N.down the moment it is gone (kill -9 included), which
    # keepalived follows by inotify: track_process cannot be used here, the kernel tells process events only to the
    # first network namespace
    # shellcheck disable=SC2016,SC2086  # expanded by that shell; LB_JVM_OPTS: several options
    start_bg "$STATE/lb-$n.log" ip netns exec "clb-ha$n" sh -c 'down=$1 pidfile=$2; shift 2
        echo 0 > "$down"; "$@" & echo $! > "$pidfile"; wait $!; echo 1 > "$down"' sh "$PWD/$STATE/lb-$n.down" "$STATE/lb-$n.pid" \
        java $LB_JVM_OPTS -jar "$LB_JAR" --runtime docker --replica-address ip --network "$DOCKER_NET" --owner "$OWNER" \
        --container-prefix "$OWNER-" --replicas 3 --standby 1 --cluster-etcd "$etcd" --instance-id "lb$n" \
        --cluster-advertise "$(instance_ip "$n"):5000" --bind 0.0.0.0 --port 5000 \
        --management-bind "$(instance_ip "$n")" --management-port 9901 >/dev/null
    await "load balancer $n's PID" test -s "$STATE/lb-$n.pid"
    cat "$STATE/lb-$n.pid" | tee -a "$STATE/pids"
}

# lb_stop N: stops instance N as a rolling restart does: its keepalived told first (the file it follows), so that the
# virtual IP is on the other instance before this one stops taking connections; then SIGTERM (it drains and resigns)
lb_stop() {
    local pid
    pid=$(cat "$STATE/lb-$1.pid")
    echo 1 > "$STATE/lb-$1.down"
    await "the virtual IP off instance $1" not_holding "$1"
    ours "$pid" && kill "$pid"
    for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    echo "ha-local: instance $1 ($pid) did not stop within 60 s" >&2
    return 1
}

not_holding() { ! holds_vip "$1"; }

# lb_start N: starts instance N again (after a kill or a stop), waits until it serves, prints its PID
lb_start() {
    local pid etcd
    etcd=$(sed -n 's/^ETCD=//p' "$ENV_FILE")
    pid=$(start_lb "$1" "$etcd")
    await_long "load balancer $1 with replicas" serves_replicas "$(instance_ip "$1"):5000"
    echo "$pid"
}

# start_etcd N new|existing: member eN (its data in $STATE/etcd-N); prints its PID
start_etcd() {
    local n=$1 cluster=e1=http://$HOST_IP:23801,e2=http://$HOST_IP:23802,e3=http://$HOST_IP:23803
    start_bg "$STATE/etcd-$n.log" etcd --name "e$n" --data-dir "$STATE/etcd-$n" \
        --listen-client-urls "http://$HOST_IP:2379$n,http://127.0.0.1:2379$n" --advertise-client-urls "http://$HOST_IP:2379$n" \
        --listen-peer-urls "http://$HOST_IP:2380$n" --initial-advertise-peer-urls "http://$HOST_IP:2380$n" \
        --initial-cluster "$cluster" --initial-cluster-state "$2" --initial-cluster-token clb-ha-local
}

# etcd_kill N: kill -9 of member eN (as a crash); etcd_start N: starts it again on its data, and prints its new PID
etcd_kill() {
    local pid
    pid=$(member_pid "$1")
    [[ -n $pid ]] && ours "$pid" && kill -9 "$pid"
    sed -i "/^etcd-$1 /d" "$STATE/members"
}

etcd_start() {
    local pid
    pid=$(start_etcd "$1" existing)
    echo "etcd-$1 $pid" >> "$STATE/members"
    echo "$pid"
}

member_pid() { awk -v m="etcd-$1" '$1 == m { print $2 }' "$STATE/members" 2>/dev/null | tail -1; }

holds_vip() { ip -n "clb-ha$1" -o addr show dev eth0 2>/dev/null | grep -q " $VIP/"; }

# which namespace holds the virtual IP now
holder() {
    local n
    for n in 1 2; do holds_vip $n && { echo "clb-ha$n"; return; }; done
    echo none
}

holders() {
    local n count=0
    for n in 1 2; do holds_vip $n && count=$((count + 1)); done
    echo $count
}

one_holder() { [[ $(holders) == 1 ]]; }

# bridge_forwarding -I|-D: lets what comes in on the bridge through iptables' FORWARD chain (to the other namespace, and
# to the replicas' Docker network, whose own rules take only published ports), or takes that rule away
bridge_forwarding() {
    command -v iptables >/dev/null || return 0
    local rule=(FORWARD -i "$BRIDGE" -j ACCEPT)
    if [[ $1 == -I ]]; then
        iptables -C "${rule[@]}" 2>/dev/null || iptables -I "${rule[@]}"
    else
        while iptables -C "${rule[@]}" 2>/dev/null; do iptables -D "${rule[@]}"; done
    fi
}

# ours PID: whether PID is still one of the processes 'up' starts (a stale pid file, after a reboot say, names others)
ours() { grep -qaE 'etcd|lb\.jar|keepalived|down=' "/proc/$1/cmdline" 2>/dev/null; }

# stop_pids PID...: SIGTERM, then SIGKILL to what is left after 10 s; only the PIDs given that are still ours
stop_pids() {
    local pid alive mine=()
    for pid in "$@"; do ours "$pid" && mine+=("$pid"); done
    ((${#mine[@]})) || return 0
    set -- "${mine[@]}"
    for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 100); do
        alive=0
        for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        ((alive)) || return 0
        sleep 0.1
    done
    for pid in "$@"; do kill -9 "$pid" 2>/dev/null || true; done
}

down() {
    local pids=()
    # keepalived first (so that no instance takes the address of one being stopped), etcd last
    [[ -f $STATE/pids ]] && mapfile -t pids < <(tac "$STATE/pids")
    ((${#pids[@]})) && stop_pids "${pids[@]}"
    # the host's end of each veth pair first: deleting it deletes the pair at once, while a namespace's own interfaces
    # go only once nothing holds the namespace any more, which a process still exiting can delay past the next 'up'
    for n in 1 2; do
        ip link del "clb-ha${n}v" 2>/dev/null || true
        ip netns del "clb-ha$n" 2>/dev/null || true
    done
    ip link del "$BRIDGE" 2>/dev/null || true
    bridge_forwarding -D
    # the replicas outlive the instances by design: they go here
    if docker info >/dev/null 2>&1; then
        docker ps -aq --filter "label=dev.clb.owner=$OWNER" | xargs -r docker rm -f >/dev/null
        docker volume ls -q --filter "label=dev.clb.owner=$OWNER" | xargs -r docker volume rm >/dev/null
        docker network ls -q --filter "label=dev.clb.owner=$OWNER" | xargs -r docker network rm >/dev/null
    fi
    rm -rf "$STATE" "$ENV_FILE"
    say "down"
}

status() {
    ip link show "$BRIDGE" >/dev/null 2>&1 && say "bridge $BRIDGE" || say "no bridge"
    ip netns list | grep -E '^clb-ha' || true
    [[ -f $ENV_FILE ]] && { cat "$ENV_FILE"; say "virtual IP held by $(holder)"; } || say "not up"
}

case ${1:-} in
    up) up ;;
    down) down ;;
    status) status ;;
    holder) holder ;;
    etcd-kill) etcd_kill "${2:?member 1-3}" ;;
    lb-start) lb_start "${2:?instance 1-2}" ;;
    lb-stop) lb_stop "${2:?instance 1-2}" ;;
    etcd-start) etcd_start "${2:?member 1-3}" ;;
    *) echo "usage: $0 up|down|status|holder|etcd-kill N|etcd-start N|lb-stop N|lb-start N" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# The highly available reference deployment on one machine: two load-balancer instances, each in a network namespace
# of its own, with keepalived (VRRPv3, adverts every 0.1 s) holding a virtual IP in front of them, as HAProxy and nginx
# are deployed in pairs; a three-member etcd cluster beside them.
#
#   scripts/ha-local.sh up      build it; writes target/ha-local.env (shell assignments, see below)
#   scripts/ha-local.sh down    remove every process, namespace, address and file 'up' made
#   scripts/ha-local.sh status  print what exists
#
# Layout (HA_NET, default 10.213.0.0/24, used only here; no traffic leaves the machine): a bridge clb-ha0 on the host
# (.1), namespaces clb-ha1 (.11) and clb-ha2 (.12) joined to it by veth pairs, the virtual IP .100. In each namespace a
# load balancer (public port 5000 on every address, management port 9901 on its own address) and a keepalived whose
# instance goes to FAULT the moment its load balancer's process is gone (a file the shell that waits for it writes,
# followed by inotify), or after two missed checks a second apart when it stops answering, so that the other takes the
# virtual IP within a few adverts. Both are BACKUP with nopreempt: an instance that comes back does not take the
# address back (a rolling restart moves it once per instance).
# etcd: members e1..e3 on the host, clients on .1:23791-23793 (and 127.0.0.1), peers on .1:23801-23803.
# Replicas: three replica processes on the host at .1:5101-5103, which both instances front with --runtime static
# and the same --backends, so both build the identical table (placement derives only from ring ids, in the order given).
#
# target/ha-local.env: VIP, LB1, LB2 (public host:port), MGMT1, MGMT2 (management host:port), LB1_PID, LB2_PID,
# ETCD (endpoints, comma-separated), ETCD_PIDS, REPLICA_PIDS, KEEPALIVED1_PID, KEEPALIVED2_PID.
# Exit 3: cannot run here (not root, no network namespaces, keepalived or etcd missing); callers skip their tests.
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
    [[ -f $LB_JAR && -f $REPLICA_JAR ]] || { echo "ha-local: $LB_JAR or $REPLICA_JAR missing: run 'make build' first" >&2; exit 1; }
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
    done

    local cluster=e1=http://$HOST_IP:23801,e2=http://$HOST_IP:23802,e3=http://$HOST_IP:23803 etcd_pids=() endpoints=()
    for n in 1 2 3; do
        etcd_pids+=("$(start_bg "$STATE/etcd-$n.log" etcd --name "e$n" --data-dir "$STATE/etcd-$n" \
            --listen-client-urls "http://$HOST_IP:2379$n,http://127.0.0.1:2379$n" --advertise-client-urls "http://$HOST_IP:2379$n" \
            --listen-peer-urls "http://$HOST_IP:2380$n" --initial-advertise-peer-urls "http://$HOST_IP:2380$n" \
            --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token clb-ha-local)")
        endpoints+=("http://$HOST_IP:2379$n")
    done
    local etcd
    etcd=$(IFS=,; echo "${endpoints[*]}")
    await "etcd" etcdctl --endpoints "$etcd" endpoint health

    local replica_pids=() backends=()
    for n in 1 2 3; do
        replica_pids+=("$(start_bg "$STATE/replica-$n.log" java -Xmx128m -jar "$REPLICA_JAR" --bind "$HOST_IP" --port "510$n" --id "server-$n")")
        backends+=("$HOST_IP:510$n")
    done
    for n in 1 2 3; do await "replica $n" curl -sf "http://$HOST_IP:510$n/heartbeat"; done

    local lb_pids=() keepalived_pids=()
    for n in 1 2; do
        # a shell waits for the load balancer and writes 1 into lb-N.down the moment it is gone (kill -9 included), which
        # keepalived follows by inotify: track_process cannot be used here, the kernel tells process events only to the
        # first network namespace
        # shellcheck disable=SC2016,SC2086  # expanded by that shell; LB_JVM_OPTS: several options
        start_bg "$STATE/lb-$n.log" ip netns exec "clb-ha$n" sh -c 'down=$1 pidfile=$2; shift 2
            echo 0 > "$down"; "$@" & echo $! > "$pidfile"; wait $!; echo 1 > "$down"' sh "$PWD/$STATE/lb-$n.down" "$STATE/lb-$n.pid" \
            java $LB_JVM_OPTS -jar "$LB_JAR" --runtime static --backends "$(IFS=,; echo "${backends[*]}")" --bind 0.0.0.0 --port 5000 \
            --management-bind "$(instance_ip $n)" --management-port 9901 >/dev/null
        await "load balancer $n's PID" test -s "$STATE/lb-$n.pid"
        lb_pids+=("$(cat "$STATE/lb-$n.pid")")
        echo "${lb_pids[-1]}" >> "$STATE/pids"
    done
    for n in 1 2; do await "load balancer $n" curl -sf "http://$(instance_ip $n):5000/rep"; done

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
  script "/usr/bin/curl -sf -o /dev/null -m 0.8 http://$(instance_ip $n):9901/ring"
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
REPLICA_PIDS="${replica_pids[*]}"
KEEPALIVED1_PID=${keepalived_pids[0]}
KEEPALIVED2_PID=${keepalived_pids[1]}
ENV
    trap - ERR INT TERM
    say "up: virtual IP $VIP:5000 held by $(holder); $ENV_FILE written"
}

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

# bridge_forwarding -I|-D: lets the bridge's own traffic through iptables' FORWARD chain, or takes that rule away
bridge_forwarding() {
    command -v iptables >/dev/null || return 0
    local rule=(FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT)
    if [[ $1 == -I ]]; then
        iptables -C "${rule[@]}" 2>/dev/null || iptables -I "${rule[@]}"
    else
        while iptables -C "${rule[@]}" 2>/dev/null; do iptables -D "${rule[@]}"; done
    fi
}

# ours PID: whether PID is still one of the processes 'up' starts (a stale pid file, after a reboot say, names others)
ours() { grep -qaE 'etcd|replica\.jar|lb\.jar|keepalived|down=' "/proc/$1/cmdline" 2>/dev/null; }

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
    *) echo "usage: $0 up|down|status|holder" >&2; exit 2 ;;
esac

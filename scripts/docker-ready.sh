#!/usr/bin/env bash
# Makes this machine ready for the Docker tests, idempotently, without any container registry:
# installs Debian's Docker engine and compose if missing, starts dockerd if it does not answer, and builds
# the base JRE image from Debian packages (debootstrap + docker import) if it is absent.
# Exit 0: ready. Exit 3: cannot be made ready here (not root, no engine); callers skip the Docker tests.
set -euo pipefail

BASE_IMAGE=${BASE_IMAGE:-lb-base-jre:17}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

step() { echo "docker-ready: $*"; }
timed() { local t0=$SECONDS; "$@"; step "  done in $((SECONDS - t0)) s"; }
give_up() { echo "docker-ready: $* -- Docker tests will be skipped" >&2; exit 3; }

install_packages() {
    [[ $(id -u) == 0 ]] || give_up "not root, cannot install $*"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 "$@" >/dev/null
}

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if ((${#missing[@]})); then
    step "installing ${missing[*]}"
    timed install_packages "${missing[@]}"
fi

if ! docker info >/dev/null 2>&1; then
    [[ $(id -u) == 0 ]] || give_up "dockerd is not running and only root can start it"
    step "starting dockerd (log: /var/log/dockerd.log)"
    t0=$SECONDS
    nohup dockerd >/var/log/dockerd.log 2>&1 &
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || give_up "dockerd did not answer within 60 s (see /var/log/dockerd.log)"
    step "  done in $((SECONDS - t0)) s"
fi

if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    step "building $BASE_IMAGE from Debian packages (debootstrap, about a minute)"
    t0=$SECONDS
    root=$(mktemp -d)
    trap 'rm -rf "$root"' EXIT
    debootstrap --variant=minbase --include=openjdk-17-jre-headless bookworm "$root" "$MIRROR" >/tmp/debootstrap.log 2>&1 \
        || give_up "debootstrap failed (see /tmp/debootstrap.log)"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -c . | docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$BASE_IMAGE" >/dev/null
    step "  done in $((SECONDS - t0)) s"
fi
step "ready: $(docker version --format 'engine {{.Server.Version}}'), base image $BASE_IMAGE"

# Two commands do everything on a fresh machine with a JDK 17+ and Maven:
#   make analysis   build, then run experiments A-1..A-6 on the embedded local runtime (charts/)
#   make test       build and run every test
MVN ?= mvn -B -q
JARS = replica/target/replica.jar lb/target/lb.jar analyzer/target/analyzer.jar
SOURCES = $(shell find pom.xml */pom.xml */src/main -type f 2>/dev/null)

.PHONY: build test analysis run docs bench mutation soak up down logs clean images swarm-up swarm-down

COMPOSE := $(shell docker compose version >/dev/null 2>&1 && echo 'docker compose' || echo docker-compose)

build: $(JARS)

$(JARS) &: $(SOURCES)
	$(MVN) -DskipTests package

test:
	$(MVN) verify

# a short-lived client: C1 alone reaches full speed sooner than C1 then C2 (measured: a run 1.8 s against 2.1 s)
ANALYZER = java -XX:TieredStopAtLevel=1 -jar analyzer/target/analyzer.jar

analysis: build
	$(ANALYZER) all

run: build
	java -XX:+UseParallelGC -jar lb/target/lb.jar --runtime local --port 5000 --replicas 3

# docs/reference/cli.md from the picocli options of the load balancer, the replica and the analyzer; 'make test' fails
# while the page differs from them (CliReferenceTest in docs-check/)
docs:
	$(MVN) -pl docs-check -am test -Dtest=CliReferenceTest -Dsurefire.failIfNoSpecifiedTests=false -Dcli.docs.write=true

# Benchmarks write to bench/results/: the proxy against nginx, HAProxy and Caddy (64 connections, then 1000), a replica
# frozen under load, TLS and HTTP/2 against nginx and HAProxy, the hash map and the request metrics (JMH), the analyzer's client.
bench: build
	bench/proxy-bench.sh
	mkdir -p bench/results/c1000
	CONNECTIONS=1000 LARGE=0 ROUNDS=2 TARGETS="nginx haproxy lb-nolog" OUT=bench/results/c1000 bench/proxy-bench.sh
	bench/hung-replica-bench.sh
	bench/tls-bench.sh
	$(MVN) -Pbench -pl benchmarks -am -DskipTests package
	java -jar benchmarks/target/benchmarks.jar 'Ring|Strategy' -f 1 -wi 3 -i 5 -rf text -rff bench/results/ring-jmh.txt | tail -15
	java -jar benchmarks/target/benchmarks.jar RequestMetrics -f 1 -wi 3 -i 5 -rf text -rff bench/results/request-metrics-jmh.txt | tail -4
	@# the analyzer's own client: one 10000-request A-1 run through a fresh local stack
	out=$$(mktemp -d) && $(ANALYZER) a1 --out $$out | tee bench/results/analyzer-client.txt; rm -rf $$out

# Mutation testing (not part of 'make test'): PIT on hashmap and on the load balancer's membership, heartbeat and
# admin-validation rules, through their fast unit tests. Reports (XML, HTML) in hashmap/ and lb/target/pit-reports/.
mutation:
	$(MVN) -Pmutation -pl hashmap,lb test
	@for m in hashmap lb; do f=$$m/target/pit-reports/mutations.xml; \
	    total=$$(grep -o '<mutation ' $$f | wc -l); killed=$$(grep -oE "detected=.true." $$f | wc -l); \
	    echo "$$m: $$total mutations, $$killed killed, score $$((100 * killed / total)) %"; done

# Soak (not in CI): DURATION s (default 600) of wrk at half the measured maximum, a replica killed every minute;
# the load balancer's heap after GC, RSS, threads and fds → bench/results/soak.{csv,png,md}. Needs wrk.
soak: build
	scripts/soak.sh

# Docker: the load balancer on 127.0.0.1:5000 spawning replica containers on net1.
# BASE_IMAGE is the images' JRE: set by hand, or eclipse-temurin:17-jre, or where the engine has not got that one
# but has lb-base-jre:17 (scripts/docker-ready.sh builds it offline from Debian packages), that one.
BASE_IMAGE ?= $(shell docker image inspect eclipse-temurin:17-jre >/dev/null 2>&1 \
    || ! docker image inspect lb-base-jre:17 >/dev/null 2>&1 && echo eclipse-temurin:17-jre || echo lb-base-jre:17)
# STACK=name starts another stack beside it (own project, container names, network), e.g. for A-4:
#   STACK=murmur LB_HASH=murmur LB_HOST_PORT=5001 LB_MANAGEMENT_HOST_PORT=9902 make up   ...   STACK=murmur make down
ifdef STACK
export COMPOSE_PROJECT_NAME = $(STACK)
export LB_NAME = lb-$(STACK)
export LB_NETWORK = net-$(STACK)
export LB_CONTAINER_PREFIX = $(STACK)-
endif

# the jars come from 'build' when a source changed (under 'mvn verify', the run that calls the tests built them)
images: replica/target/replica.jar lb/target/lb.jar
	@base="$(BASE_IMAGE)"; [ "$$base" != lb-base-jre:17 ] || [ "$(origin BASE_IMAGE)" = environment ] || [ "$(origin BASE_IMAGE)" = "command line" ] \
	    || echo "no eclipse-temurin:17-jre on this engine (no registry?): building on lb-base-jre:17, the JRE image scripts/docker-ready.sh made"; \
	BASE_IMAGE=$$base $(COMPOSE) build

# TLS_CERT and TLS_KEY (PEM files) add the TLS port, 127.0.0.1:5443, with the files as compose secrets
COMPOSE_TLS = $(if $(TLS_CERT),-f docker-compose.tls.yml)
STACK_TLS = $(if $(TLS_CERT),-c docker-stack.tls.yml)

up: images
	@files="-f docker-compose.yml $(COMPOSE_TLS)"; \
	if ! docker run --rm --privileged --entrypoint true lb-replica:latest >/dev/null 2>&1; then \
	    echo "this engine cannot start privileged containers: running the load balancer unprivileged (it needs only the socket)"; \
	    files="$$files -f docker-compose.unprivileged.yml"; \
	fi; \
	$(COMPOSE) $$files up -d
	@until curl -sf -o /dev/null http://127.0.0.1:$${LB_HOST_PORT:-5000}/rep; do sleep 0.5; done
	@curl -s http://127.0.0.1:$${LB_HOST_PORT:-5000}/rep; echo

down:
	-$(COMPOSE) down --volumes --remove-orphans --timeout 30
	@# the compose project may have been started with the unprivileged override; down works the same
	@# replicas the load balancer could not remove itself (e.g. it was killed) go too
	-docker ps -aq --filter label=dev.clb.owner=$${LB_NAME:-lb} | xargs -r docker rm -f
	-docker volume ls -q --filter label=dev.clb.owner=$${LB_NAME:-lb} | xargs -r docker volume rm
	-docker network rm $${LB_NETWORK:-net1} 2>/dev/null || true

logs:
	$(COMPOSE) logs -f lb

# Docker Swarm: the stack clb from docker-stack.yml (needs a manager: 'docker swarm init', or two nodes on this
# machine with scripts/swarm-local.sh up). No registry: the images go to every other node by docker save | load;
# SWARM_NODES lists those nodes' engines (DOCKER_HOST values; default: node 2 of swarm-local.sh when it runs).
SWARM_NODES ?= $(if $(wildcard /run/clb-node2/docker.sock),unix:///run/clb-node2/docker.sock)

swarm-up: images
	@[ "$$(docker info --format '{{.Swarm.ControlAvailable}}')" = true ] \
	    || { echo "this engine is no swarm manager: run 'docker swarm init' or scripts/swarm-local.sh up"; exit 2; }
	@for host in $(SWARM_NODES); do echo "loading the images on $$host"; \
	    docker save lb-replica:latest lb-lb:latest | docker -H $$host load -q >/dev/null || exit 1; done
	docker stack deploy --resolve-image never -c docker-stack.yml $(STACK_TLS) clb
	@for _ in $$(seq 1 240); do curl -sf -o /dev/null http://127.0.0.1:$${LB_HOST_PORT:-5000}/rep && break; sleep 0.5; done
	@curl -s http://127.0.0.1:$${LB_HOST_PORT:-5000}/rep; echo

swarm-down:
	@# the load balancer first (it leaves its replicas running, as on any stop), then its replica services, then the network
	-docker stack rm clb
	@for _ in $$(seq 1 120); do [ -z "$$(docker ps -q --filter label=com.docker.swarm.service.name=clb_lb)" ] && break; sleep 0.5; done
	-docker service ls -q --filter label=dev.clb.owner=clb | xargs -r docker service rm
	@for _ in $$(seq 1 120); do docker network inspect clb-replicas >/dev/null 2>&1 || break; \
	    docker network rm clb-replicas >/dev/null 2>&1 || sleep 0.5; done
	@! docker network inspect clb-replicas >/dev/null 2>&1 || { echo "network clb-replicas is still in use"; exit 1; }

clean:
	$(MVN) clean

# Two commands do everything on a fresh machine with a JDK 17+ and Maven:
#   make analysis   build, then run experiments A-1..A-6 on the embedded local runtime (charts/)
#   make test       build and run every test
MVN ?= mvn -B -q
JARS = replica/target/replica.jar lb/target/lb.jar analyzer/target/analyzer.jar
SOURCES = $(shell find pom.xml */pom.xml */src/main -type f 2>/dev/null)

.PHONY: build test analysis run bench mutation soak up down logs clean

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
	java -jar lb/target/lb.jar --runtime local --port 5000 --replicas 3

# Benchmarks write to bench/results/: the proxy against nginx and HAProxy, the hash map (JMH), the analyzer's client.
bench: build
	bench/proxy-bench.sh
	$(MVN) -Pbench -pl benchmarks -am -DskipTests package
	java -jar benchmarks/target/benchmarks.jar -f 1 -wi 3 -i 5 -rf text -rff bench/results/ring-jmh.txt | tail -15
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
# BASE_IMAGE overrides the Dockerfile's JRE image (scripts/docker-ready.sh builds lb-base-jre:17 offline).
# STACK=name starts another stack beside it (own project, container names, network), e.g. for A-4:
#   STACK=murmur LB_HASH=murmur LB_HOST_PORT=5001 LB_MANAGEMENT_HOST_PORT=9902 make up   ...   STACK=murmur make down
ifdef STACK
export COMPOSE_PROJECT_NAME = $(STACK)
export LB_NAME = lb-$(STACK)
export LB_NETWORK = net-$(STACK)
export LB_CONTAINER_PREFIX = $(STACK)-
endif

up:
	$(MVN) -DskipTests -pl replica,lb -am package
	$(COMPOSE) build
	@files="-f docker-compose.yml"; \
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
	-docker network rm $${LB_NETWORK:-net1} 2>/dev/null || true

logs:
	$(COMPOSE) logs -f lb

clean:
	$(MVN) clean

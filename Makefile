# Two commands do everything on a fresh machine with a JDK 17+ and Maven:
#   make analysis   build, then run experiments A-1..A-4 on the embedded local runtime (charts/)
#   make test       build and run every test
MVN ?= mvn -B -q
JARS = replica/target/replica.jar lb/target/lb.jar analyzer/target/analyzer.jar
SOURCES = $(shell find pom.xml */pom.xml */src/main -type f 2>/dev/null)

.PHONY: build test analysis run bench up down logs clean

build: $(JARS)

$(JARS) &: $(SOURCES)
	$(MVN) -DskipTests package

test:
	$(MVN) verify

analysis: build
	java -jar analyzer/target/analyzer.jar all

run: build
	java -jar lb/target/lb.jar --runtime local --port 5000 --replicas 3

bench: build
	bench/proxy-bench.sh

clean:
	$(MVN) clean

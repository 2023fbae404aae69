# Two images from prebuilt jars ('mvn package' runs on the host): the replica, and the load balancer.
# BASE_IMAGE is any image with a Java 17+ 'java' on PATH; without a registry, scripts/docker-ready.sh
# builds one from Debian packages (lb-base-jre:17).
ARG BASE_IMAGE=eclipse-temurin:17-jre

FROM ${BASE_IMAGE} AS replica
COPY replica/target/replica.jar /app/replica.jar
ENV PORT=5000
EXPOSE 5000
ENTRYPOINT ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx96m", "-Xss512k", "-jar", "/app/replica.jar"]

FROM ${BASE_IMAGE} AS lb
COPY lb/target/lb.jar /app/lb.jar
ENV LB_RUNTIME=docker LB_REPLICA_IMAGE=lb-replica:latest LB_NETWORK=net1 LB_PORT=5000
EXPOSE 5000 5443 9901
ENTRYPOINT ["java", "-Xmx256m", "-XX:+UseParallelGC", "-jar", "/app/lb.jar"]

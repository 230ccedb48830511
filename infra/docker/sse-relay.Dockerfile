# syntax=docker/dockerfile:1
# Posduif SSE relay image. Build from the repository root:
#   docker build -f infra/docker/sse-relay.Dockerfile -t posduif/sse-relay:<version> .
# Run (configuration comes from the environment, see docs/deploy.md):
#   docker run --init -p 8081:8081 -e POSDUIF_REDIS_URI=... posduif/sse-relay:<version>
# The same entry point (java -jar on the shaded jar) is what runs outside containers, so it is
# exercised without Docker by running sse-relay/target/sse-relay-*-all.jar the same way.

ARG JDK_IMAGE=eclipse-temurin:21-jdk-noble
ARG JRE_IMAGE=eclipse-temurin:21-jre-noble

# --- build: Maven wrapper on JDK 21 -------------------------------------------------------------
FROM ${JDK_IMAGE} AS build
WORKDIR /src

# The wrapper and every pom first: dependency downloads are cached until a pom changes.
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
COPY protocol/pom.xml protocol/
COPY infra/devstack/pom.xml infra/devstack/
COPY functions/pom.xml functions/
COPY sse-relay/pom.xml sse-relay/
COPY client/pom.xml client/
COPY e2e/pom.xml e2e/
RUN chmod +x mvnw

# Sources of the relay and the modules it builds against (-am), then the shaded jar.
COPY protocol/src/ protocol/src/
COPY infra/devstack/src/ infra/devstack/src/
COPY sse-relay/src/ sse-relay/src/
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q -pl sse-relay -am package -Dmaven.test.skip=true \
 && cp sse-relay/target/sse-relay-*-all.jar /relay.jar

# --- run: JRE 21, unprivileged ------------------------------------------------------------------
FROM ${JRE_IMAGE}

# curl for the health check only.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 posduif \
 && useradd --system --uid 10001 --gid posduif --home-dir /app --no-create-home --shell /usr/sbin/nologin posduif

WORKDIR /app
# Owned by root and read-only for the service user: the process cannot rewrite its own code.
COPY --from=build --chown=root:root --chmod=0444 /relay.jar /app/relay.jar

USER 10001:10001

ENV MICRONAUT_SERVER_PORT=8081 \
    JDK_JAVA_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8081

HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:8081/health || exit 1

# Exec form: the JVM gets SIGTERM directly and closes SSE streams on shutdown.
ENTRYPOINT ["java", "-jar", "/app/relay.jar"]

# syntax=docker/dockerfile:1
# Posduif functions as a container, for running the same jar outside Lambda (self-hosting,
# local stacks) on Netty. On AWS the functions run on Lambda from the shaded jar instead
# (terraform/modules/tenant, docs/deploy.md). Build from the repository root:
#   docker build -f infra/docker/functions.Dockerfile -t posduif/functions:<version> .

ARG JDK_IMAGE=eclipse-temurin:21-jdk-noble
ARG JRE_IMAGE=eclipse-temurin:21-jre-noble

FROM ${JDK_IMAGE} AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
COPY protocol/pom.xml protocol/
COPY infra/devstack/pom.xml infra/devstack/
COPY functions/pom.xml functions/
COPY sse-relay/pom.xml sse-relay/
COPY client/pom.xml client/
COPY e2e/pom.xml e2e/
RUN chmod +x mvnw
COPY protocol/src/ protocol/src/
COPY infra/devstack/src/ infra/devstack/src/
COPY functions/src/ functions/src/
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q -pl functions -am package -Dmaven.test.skip=true \
 && cp functions/target/functions-*-all.jar /functions.jar

FROM ${JRE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 posduif \
 && useradd --system --uid 10001 --gid posduif --home-dir /app --no-create-home --shell /usr/sbin/nologin posduif
WORKDIR /app
COPY --from=build --chown=root:root --chmod=0444 /functions.jar /app/functions.jar
USER 10001:10001
ENV MICRONAUT_SERVER_PORT=8080 \
    JDK_JAVA_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["java", "-jar", "/app/functions.jar"]

#!/usr/bin/env node
// Runs the relay the way its container does, without Docker: the final stage's ENTRYPOINT, ENV
// and HEALTHCHECK are read from infra/docker/sse-relay.Dockerfile and applied to the shaded jar
// (sse-relay/target/sse-relay-*-all.jar, built by the caller). Passes when the HEALTHCHECK command
// succeeds within the Dockerfile's start period and the process exits within 30 s (the ECS
// stopTimeout) after SIGTERM.
// The port is moved to a free one (other tests may hold 8081); extra environment (Redis, database)
// is taken from the caller's environment, as `docker run -e` would pass it.
// Usage: node relay-jar-smoke.js [Dockerfile] [jar]
"use strict";
const fs = require("fs");
const net = require("net");
const path = require("path");
const { spawn, spawnSync } = require("child_process");

const root = path.resolve(__dirname, "..");
const dockerfile = process.argv[2] || path.join(root, "infra/docker/sse-relay.Dockerfile");
const jar =
  process.argv[3] ||
  (() => {
    const dir = path.join(root, "sse-relay/target");
    const found = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^sse-relay-.*-all\.jar$/.test(f)) : [];
    if (found.length !== 1) throw new Error(`expected one sse-relay-*-all.jar in ${dir}, found ${found.length}: build it with ./mvnw -pl sse-relay -am package -DskipTests`);
    return path.join(dir, found[0]);
  })();

function finalStage(text) {
  const lines = text.replace(/\\\r?\n/g, " ").split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  let stage = null;
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) stage = { env: {}, entrypoint: null, healthcheck: null };
    else if (stage && /^ENV\s/i.test(line)) {
      for (const m of line.slice(4).matchAll(/(\w+)=("([^"]*)"|\S+)/g)) stage.env[m[1]] = m[3] !== undefined ? m[3] : m[2];
    } else if (stage && /^ENTRYPOINT\s/i.test(line)) stage.entrypoint = JSON.parse(line.slice(11).trim());
    else if (stage && /^HEALTHCHECK\s/i.test(line)) {
      const opts = Object.fromEntries([...line.matchAll(/--([\w-]+)=(\S+)/g)].map((m) => [m[1], m[2]]));
      stage.healthcheck = { cmd: line.replace(/^.*?\sCMD\s+/i, ""), opts };
    }
  }
  return stage;
}

function seconds(v, dflt) {
  const m = String(v || "").match(/^(\d+)(ms|s|m)?$/);
  if (!m) return dflt;
  return Number(m[1]) * ({ ms: 0.001, s: 1, m: 60 }[m[2] || "s"]);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const stage = finalStage(fs.readFileSync(dockerfile, "utf8"));
  if (!stage || !stage.entrypoint || !stage.healthcheck) throw new Error(`${dockerfile}: final stage needs ENTRYPOINT and HEALTHCHECK`);
  const imagePort = stage.env.MICRONAUT_SERVER_PORT || "8081";
  const port = String(await freePort());
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, "bin/java") : "java";

  // The image's entry point with this machine's java and jar.
  const [cmd, ...args] = stage.entrypoint.map((a, i) => (i === 0 && a === "java" ? java : a.endsWith(".jar") ? jar : a));
  const env = { ...process.env, ...stage.env, MICRONAUT_SERVER_PORT: port };
  const health = stage.healthcheck.cmd.replaceAll(`:${imagePort}/`, `:${port}/`);
  const startPeriod = seconds(stage.healthcheck.opts["start-period"], 60);
  const interval = Math.min(seconds(stage.healthcheck.opts.interval, 15), 1);

  console.log(`relay-jar-smoke: ${cmd} ${args.join(" ")} (port ${port}, JDK_JAVA_OPTIONS=${env.JDK_JAVA_OPTIONS || ""})`);
  const log = [];
  const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (d) => log.push(d));
  child.stderr.on("data", (d) => log.push(d));
  let exited = null;
  child.on("exit", (code, signal) => (exited = { code, signal }));

  const results = [];
  const started = Date.now();
  let healthy = false;
  while (!healthy && exited === null && Date.now() - started < startPeriod * 1000) {
    await sleep(interval * 1000);
    healthy = spawnSync("sh", ["-c", health], { timeout: 5000 }).status === 0;
  }
  results.push([`HEALTHCHECK (${health}) within ${startPeriod}s`, healthy, healthy ? `${((Date.now() - started) / 1000).toFixed(1)}s` : exited ? `process exited ${JSON.stringify(exited)}` : "timed out"]);

  if (exited === null) child.kill("SIGTERM");
  const stopStart = Date.now();
  while (exited === null && Date.now() - stopStart < 30000) await sleep(100);
  const stopped = exited !== null && (exited.signal === "SIGTERM" || exited.code === 0 || exited.code === 143);
  results.push(["exits within 30 s of SIGTERM", stopped && healthy, exited ? JSON.stringify(exited) : "still running"]);
  if (exited === null) child.kill("SIGKILL");

  const failed = results.filter((r) => !r[1]).length;
  for (const [name, ok, note] of results) console.log(`  ${ok ? "PASS" : "FAIL"}  ${name}: ${note}`);
  if (failed) console.log(Buffer.concat(log).toString().split("\n").slice(-40).join("\n"));
  console.log(`relay-jar-smoke: ${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (c) => process.exit(c),
  (e) => {
    console.error(`relay-jar-smoke: ${e.message || e}`);
    process.exit(1);
  },
);

#!/usr/bin/env node
// Static checks of infra/docker/*.Dockerfile (Docker cannot run here, so nothing is built):
//   - multi-stage: a build stage on a JDK 21 image that builds with the Maven wrapper, and a final
//     stage on a JRE 21 image;
//   - the final stage runs as a non-root user, exposes the service port and has a HEALTHCHECK
//     against /health on that port; ENTRYPOINT is exec-form `java -jar`;
//   - the build copies every module pom of the reactor (Maven reads them all) and the sources of
//     every module the built module needs (-am closure from the poms), so a new module
//     dependency cannot silently break the image build.
// Usage: node dockerfile-check.js <Dockerfile>:<module>:<port> ...
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");

function parseDockerfile(text) {
  // Join continuation lines, drop comments and the parser directive.
  const lines = text.replace(/\\\r?\n/g, " ").split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const args = {};
  const stages = [];
  for (const line of lines) {
    const m = line.match(/^(\w+)\s+(.*)$/);
    if (!m) continue;
    const [, instr, rest] = [m[0], m[1].toUpperCase(), m[2]];
    if (instr === "ARG" && stages.length === 0) {
      const a = rest.match(/^(\w+)=(.*)$/);
      if (a) args[a[1]] = a[2].replace(/^"|"$/g, "");
    } else if (instr === "FROM") {
      const image = rest.split(/\s+/)[0].replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args[a || b] ?? "");
      const as = rest.match(/\s+AS\s+(\S+)/i);
      stages.push({ image, name: as ? as[1] : null, instr: [] });
    } else if (stages.length) {
      stages[stages.length - 1].instr.push({ instr, rest });
    }
  }
  return { args, stages };
}

function modulePoms() {
  const rootPom = fs.readFileSync(path.join(root, "pom.xml"), "utf8");
  const dirs = [...rootPom.matchAll(/<module>([^<]+)<\/module>/g)].map((m) => m[1].trim());
  const byArtifact = new Map();
  for (const dir of dirs) {
    const pom = fs.readFileSync(path.join(root, dir, "pom.xml"), "utf8");
    const withoutParent = pom.replace(/<parent>[\s\S]*?<\/parent>/, "");
    const artifact = withoutParent.match(/<artifactId>([^<]+)<\/artifactId>/)[1];
    const deps = [...withoutParent.matchAll(/<dependency>\s*<groupId>io\.posduif<\/groupId>\s*<artifactId>([^<]+)<\/artifactId>/g)].map((m) => m[1]);
    byArtifact.set(artifact, { dir, deps });
  }
  return { dirs, byArtifact };
}

function closure(byArtifact, artifact) {
  const seen = new Set();
  (function visit(a) {
    if (seen.has(a) || !byArtifact.has(a)) return;
    seen.add(a);
    byArtifact.get(a).deps.forEach(visit);
  })(artifact);
  return [...seen].map((a) => byArtifact.get(a).dir);
}

function check(spec) {
  const [file, module, port] = spec.split(":");
  const problems = [];
  const text = fs.readFileSync(path.join(root, file), "utf8");
  const { stages } = parseDockerfile(text);
  if (stages.length < 2) problems.push("is not multi-stage (needs a build stage and a runtime stage)");
  const build = stages[0] || { image: "", instr: [] };
  const run = stages[stages.length - 1] || { image: "", instr: [] };
  const all = (stage, name) => stage.instr.filter((i) => i.instr === name).map((i) => i.rest);

  if (!/jdk/.test(build.image) || !/(^|[:\-])21([.\-]|$)/.test(build.image.split(":")[1] || "")) problems.push(`build stage image ${build.image} is not a JDK 21 image`);
  if (!all(build, "RUN").some((r) => /\.\/mvnw\b.*-pl\s+/.test(r) && r.includes(module) && /\bpackage\b/.test(r))) problems.push(`build stage does not run ./mvnw -pl ${module} ... package`);
  if (!/jre/.test(run.image) || !/(^|[:\-])21([.\-]|$)/.test(run.image.split(":")[1] || "")) problems.push(`runtime image ${run.image} is not a JRE 21 image`);

  const users = all(run, "USER");
  const user = users.length ? users[users.length - 1].split(":")[0] : "root";
  if (user === "root" || user === "0") problems.push("runtime stage runs as root (needs USER <non-root>)");
  if (!all(run, "EXPOSE").some((e) => e.split(/\s+/).includes(port))) problems.push(`runtime stage does not EXPOSE ${port}`);
  const hc = all(run, "HEALTHCHECK");
  if (hc.length !== 1 || !new RegExp(`CMD .*(127\\.0\\.0\\.1|localhost):${port}/health\\b`).test(hc[0])) problems.push(`needs one HEALTHCHECK against http://127.0.0.1:${port}/health`);
  const ep = all(run, "ENTRYPOINT");
  let entry = null;
  try {
    entry = ep.length ? JSON.parse(ep[ep.length - 1]) : null;
  } catch (e) {
    /* shell form */
  }
  if (!Array.isArray(entry) || entry[0] !== "java" || !entry.includes("-jar")) problems.push('ENTRYPOINT must be exec form ["java", ..., "-jar", <jar>] (the JVM must receive SIGTERM)');

  const { dirs, byArtifact } = modulePoms();
  const copies = all(build, "COPY").map((c) => c.split(/\s+/).filter((w) => !w.startsWith("--")));
  const copied = (src) => copies.some((c) => c.slice(0, -1).some((s) => s.replace(/\/$/, "") === src.replace(/\/$/, "") || s === "."));
  for (const dir of dirs) if (!copied(`${dir}/pom.xml`)) problems.push(`build stage does not copy ${dir}/pom.xml (Maven reads every module pom)`);
  if (!byArtifact.has(module)) problems.push(`module ${module} is not in the reactor`);
  for (const dir of closure(byArtifact, module)) if (!copied(`${dir}/src/`)) problems.push(`build stage does not copy ${dir}/src/ (${module} builds against it)`);

  return { file, problems };
}

const specs = process.argv.slice(2);
let failed = 0;
for (const spec of specs) {
  const { file, problems } = check(spec);
  for (const p of problems) console.log(`FAIL ${file}: ${p}`);
  if (problems.length) failed++;
}
console.log(`dockerfile-check: ${specs.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 && specs.length > 0 ? 0 : 1);

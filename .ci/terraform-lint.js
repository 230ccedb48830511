#!/usr/bin/env node
// Offline checks of the Terraform code that `terraform validate` would need providers for.
// Every .tf file is parsed with HashiCorp's HCL parser (@cdktf/hcl2json, Go compiled to WASM), and
// each directory of .tf files is checked as one module:
//   - every variable has a non-empty description and a type, and is used outside its own block;
//   - every output has a description;
//   - every reference (var., local., data., ephemeral., module., <resource type>.<name>) is declared;
//   - every call of a local module passes only that module's variables, all its required ones,
//     and reads only outputs that module declares;
//   - a module README (terraform/modules/*/README.md) names every variable and output, and lists
//     no input or output that does not exist.
// Usage: node terraform-lint.js <dir>...       check these trees, exit 1 on any failure
//        node terraform-lint.js --self-test    prove the checks catch the broken fixtures
// The hcl2json package is found through HCL2JSON_NODE_MODULES (set by terraform-check.sh).
"use strict";

const fs = require("fs");
const path = require("path");

function loadParser() {
  const base = process.env.HCL2JSON_NODE_MODULES;
  const id = "@cdktf/hcl2json";
  return require(base ? path.join(base, id) : id).parse;
}

const META_ARGUMENTS = new Set(["source", "version", "count", "for_each", "providers", "depends_on"]);
const IDENT = "[A-Za-z_][A-Za-z0-9_-]*";

function listTfDirs(root) {
  const dirs = new Map();
  (function walk(dir) {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.endsWith(".tf")) {
        if (!dirs.has(dir)) dirs.set(dir, []);
        dirs.get(dir).push(full);
      }
    }
  })(root);
  for (const files of dirs.values()) files.sort();
  return new Map([...dirs.entries()].sort());
}

// Every string in the parsed JSON, with the top-level block it came from.
function collectStrings(value, out) {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => collectStrings(v, out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.push(k); // object keys may be expressions too
      collectStrings(v, out);
    }
  }
  return out;
}

function blockBody(blocks) {
  // hcl2json represents each labelled block as a list of bodies (one per repetition).
  return Array.isArray(blocks) ? blocks[0] || {} : blocks || {};
}

class Module {
  constructor(dir) {
    this.dir = dir;
    this.variables = new Map(); // name -> {file, body}
    this.outputs = new Map();
    this.locals = new Set();
    this.resources = new Set(); // "type.name"
    this.data = new Set();
    this.ephemeral = new Set();
    this.modules = new Map(); // name -> {file, body}
    this.usageStrings = []; // {file, text} outside variable blocks
  }

  add(file, json) {
    for (const [name, bodies] of Object.entries(json.variable || {})) {
      this.variables.set(name, { file, body: blockBody(bodies) });
    }
    for (const [name, bodies] of Object.entries(json.output || {})) {
      this.outputs.set(name, { file, body: blockBody(bodies) });
    }
    for (const l of json.locals || []) Object.keys(l).forEach((k) => this.locals.add(k));
    for (const [kind, target] of [["resource", this.resources], ["data", this.data], ["ephemeral", this.ephemeral]]) {
      for (const [type, byName] of Object.entries(json[kind] || {})) {
        for (const name of Object.keys(byName)) target.add(`${type}.${name}`);
      }
    }
    for (const [name, bodies] of Object.entries(json.module || {})) {
      this.modules.set(name, { file, body: blockBody(bodies) });
    }
    for (const [key, value] of Object.entries(json)) {
      if (key === "variable") continue; // a validation's own var.x is not a use
      for (const text of collectStrings(value, [])) this.usageStrings.push({ file, text });
    }
  }
}

function rel(p) {
  return path.relative(process.cwd(), p) || p;
}

async function checkTrees(roots, parse) {
  const failures = [];
  let passed = 0;
  const fail = (file, message) => failures.push(`${rel(file)}: ${message}`);
  const modules = new Map();

  for (const root of roots) {
    for (const [dir, files] of listTfDirs(root)) {
      const mod = new Module(dir);
      modules.set(path.resolve(dir), mod);
      for (const file of files) {
        try {
          mod.add(file, await parse(file, fs.readFileSync(file, "utf8")));
          passed++;
        } catch (e) {
          fail(file, `HCL parse error: ${String(e.message || e).replace(/\s+/g, " ")}`);
          mod.unparsed = true;
        }
      }
    }
  }

  for (const mod of modules.values()) {
    // A file that did not parse leaves declarations out; checking against the rest would only
    // add findings that are consequences of the parse error.
    if (mod.unparsed) continue;
    const usage = mod.usageStrings.map((u) => u.text).join("\n");
    for (const [name, { file, body }] of mod.variables) {
      const problems = [];
      if (typeof body.description !== "string" || body.description.trim() === "") problems.push("has no description");
      if (body.type === undefined) problems.push("has no type");
      if (!new RegExp(`(?<![\\w.])var\\.${name}(?![\\w-])`).test(usage)) problems.push("is never used in its module");
      if (problems.length) fail(file, `variable "${name}" ${problems.join(", ")}`);
      else passed++;
    }
    for (const [name, { file, body }] of mod.outputs) {
      if (typeof body.description !== "string" || body.description.trim() === "") fail(file, `output "${name}" has no description`);
      else passed++;
    }

    // References must point at something declared in this module.
    const refFailures = new Set();
    for (const { file, text } of mod.usageStrings) {
      if (!text.includes("${")) continue;
      const check = (re, declared, kind) => {
        for (const m of text.matchAll(re)) {
          const key = m.slice(1).join(".");
          if (!declared(key)) refFailures.add(JSON.stringify([file, `reference to undeclared ${kind} "${m[0]}"`]));
        }
      };
      check(new RegExp(`(?<![\\w.])var\\.(${IDENT})`, "g"), (k) => mod.variables.has(k), "variable");
      check(new RegExp(`(?<![\\w.])local\\.(${IDENT})`, "g"), (k) => mod.locals.has(k), "local value");
      check(new RegExp(`(?<![\\w.])data\\.(${IDENT})\\.(${IDENT})`, "g"), (k) => mod.data.has(k), "data source");
      check(new RegExp(`(?<![\\w.])ephemeral\\.(${IDENT})\\.(${IDENT})`, "g"), (k) => mod.ephemeral.has(k), "ephemeral resource");
      check(new RegExp(`(?<![\\w.])module\\.(${IDENT})`, "g"), (k) => mod.modules.has(k), "module");
      // Resource types always contain an underscore (<provider>_<type>); iterators (each, count,
      // self, path, terraform) and plain locals of for-expressions do not collide with that.
      check(new RegExp(`(?<![\\w.])((?:aws|random)_[a-z0-9_]+)\\.(${IDENT})`, "g"), (k) => mod.resources.has(k), "resource");
    }
    for (const f of refFailures) fail(...JSON.parse(f));
    if (refFailures.size === 0) passed++;

    // Calls of local modules: arguments, required variables, outputs read.
    for (const [callName, { file, body }] of mod.modules) {
      const source = body.source;
      if (typeof source !== "string" || !(source.startsWith("./") || source.startsWith("../"))) continue;
      const target = modules.get(path.resolve(mod.dir, source));
      if (!target) {
        fail(file, `module "${callName}" source ${source} has no .tf files`);
        continue;
      }
      if (target.unparsed) continue; // its parse error is reported already
      const before = failures.length;
      for (const arg of Object.keys(body)) {
        if (!META_ARGUMENTS.has(arg) && !target.variables.has(arg)) fail(file, `module "${callName}" passes "${arg}", which ${source} does not declare`);
      }
      for (const [name, v] of target.variables) {
        if (!("default" in v.body) && !(name in body)) fail(file, `module "${callName}" omits required variable "${name}" of ${source}`);
      }
      const read = new Set();
      for (const m of usage.matchAll(new RegExp(`(?<![\\w.])module\\.${callName}\\.(${IDENT})`, "g"))) read.add(m[1]);
      for (const out of read) {
        if (!target.outputs.has(out)) fail(file, `module "${callName}" has no output "${out}" (read from ${source})`);
      }
      if (failures.length === before) passed++;
    }
  }

  // Module READMEs document every input and output, and nothing else.
  for (const mod of modules.values()) {
    if (mod.unparsed || path.basename(path.dirname(mod.dir)) !== "modules") continue;
    const readme = path.join(mod.dir, "README.md");
    if (!fs.existsSync(readme)) {
      fail(readme, "module has no README.md");
      continue;
    }
    const text = fs.readFileSync(readme, "utf8");
    const before = failures.length;
    for (const [kind, names] of [["variable", mod.variables], ["output", mod.outputs]]) {
      for (const name of names.keys()) {
        if (!text.includes("`" + name + "`")) fail(readme, `does not document ${kind} \`${name}\``);
      }
    }
    for (const m of text.matchAll(/^\|\s*`([a-z0-9_]+)`\s*\|/gm)) {
      if (!mod.variables.has(m[1]) && !mod.outputs.has(m[1])) fail(readme, `lists \`${m[1]}\`, which is neither a variable nor an output`);
    }
    if (failures.length === before) passed++;
  }

  return { passed, failures, modules: modules.size };
}

function report({ passed, failures, modules }, label) {
  for (const f of failures) console.log(`FAIL ${f}`);
  console.log(`${label}: ${modules} Terraform modules checked`);
  console.log(`${label}: ${passed} passed, ${failures.length} failed`);
}

async function selfTest(parse) {
  const fixtures = path.join(__dirname, "terraform-fixtures");
  const { failures } = await checkTrees([fixtures], parse);
  const expected = [
    /broken\/main\.tf: variable "no_description" has no description$/,
    /broken\/main\.tf: variable "no_type" has no type$/,
    /broken\/main\.tf: variable "unused" is never used in its module$/,
    /broken\/main\.tf: variable "only_validated" is never used in its module$/,
    /broken\/main\.tf: output "no_description" has no description$/,
    /broken\/main\.tf: reference to undeclared variable "var\.missing"$/,
    /broken\/main\.tf: reference to undeclared local value "local\.missing"$/,
    /broken\/main\.tf: reference to undeclared resource "aws_s3_bucket\.missing"$/,
    /broken\/main\.tf: reference to undeclared data source "data\.aws_region\.missing"$/,
    /syntax\/main\.tf: HCL parse error: /,
    /caller\/main\.tf: module "child" passes "not_an_input", which \.\.\/modules\/child does not declare$/,
    /caller\/main\.tf: module "child" omits required variable "required_input" of \.\.\/modules\/child$/,
    /caller\/main\.tf: module "child" has no output "not_an_output" \(read from \.\.\/modules\/child\)$/,
    /modules\/child\/README\.md: does not document output `undocumented`$/,
    /modules\/child\/README\.md: lists `stale_input`, which is neither a variable nor an output$/,
  ];
  const unmatched = [...failures];
  const missing = [];
  for (const re of expected) {
    const i = unmatched.findIndex((f) => re.test(f));
    if (i < 0) missing.push(re.source);
    else unmatched.splice(i, 1);
  }
  for (const m of missing) console.log(`FAIL self-test: expected a finding matching /${m}/`);
  for (const u of unmatched) console.log(`FAIL self-test: unexpected finding: ${u}`);
  const ok = missing.length === 0 && unmatched.length === 0;
  console.log(`terraform-lint self-test: ${expected.length - missing.length} passed, ${missing.length + unmatched.length} failed`);
  return ok;
}

async function main() {
  const parse = loadParser();
  const args = process.argv.slice(2);
  if (args[0] === "--self-test") return (await selfTest(parse)) ? 0 : 1;
  if (args.length === 0) {
    console.error("usage: terraform-lint.js <dir>... | --self-test");
    return 2;
  }
  const result = await checkTrees(args, parse);
  report(result, "terraform-lint");
  return result.failures.length === 0 && result.passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`terraform-lint: ${e.stack || e}`);
    process.exit(1);
  },
);

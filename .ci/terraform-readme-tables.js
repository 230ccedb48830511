#!/usr/bin/env node
// Prints the Inputs and Outputs tables of a module README from its variables.tf and outputs.tf,
// so the README (which terraform-lint.js checks for completeness) is regenerated, not retyped.
// Usage: HCL2JSON_NODE_MODULES=<cache>/node_modules node .ci/terraform-readme-tables.js terraform/modules/tenant
"use strict";
const fs = require("fs");
const path = require("path");

const base = process.env.HCL2JSON_NODE_MODULES;
const { parse } = require(base ? path.join(base, "@cdktf/hcl2json") : "@cdktf/hcl2json");

const dir = process.argv[2];
const esc = (s) => String(s).replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
const expr = (t) => String(t).replace(/^\$\{/, "").replace(/\}$/, "").replace(/\s+/g, " ").replace(/(\w|\)) (\w+ =)/g, "$1, $2");

function defaultOf(body) {
  if (!("default" in body)) return "**required**";
  if (body.default === null) return "`null`";
  if (typeof body.default === "object" && !Array.isArray(body.default) && Object.keys(body.default).length > 0) {
    return Object.keys(body.default).map((k) => "`" + k + "`").join(", ");
  }
  return "`" + esc(JSON.stringify(body.default)) + "`";
}

(async () => {
  const read = async (f) => parse(f, fs.readFileSync(path.join(dir, f), "utf8"));
  const vars = (await read("variables.tf")).variable || {};
  const outs = (await read("outputs.tf")).output || {};
  console.log("| Name | Type | Default | Description |\n| --- | --- | --- | --- |");
  for (const [name, [body]] of Object.entries(vars)) {
    console.log(`| \`${name}\` | \`${esc(expr(body.type))}\` | ${defaultOf(body)} | ${esc(body.description)} |`);
  }
  console.log("\n| Name | Description |\n| --- | --- |");
  for (const [name, [body]] of Object.entries(outs)) console.log(`| \`${name}\` | ${esc(body.description)} |`);
})().catch((e) => {
  console.error(e.stack || e);
  process.exit(1);
});

#!/usr/bin/env node
// Fallback of `terraform fmt -check -recursive` for machines without the terraform binary:
// hclwrite.Format (what terraform fmt applies) compiled to WASM in @cdktf/hcl-tools.
// Usage: node terraform-fmt-check.js <dir>...   exit 1 and list files whose layout differs.
"use strict";
const fs = require("fs");
const path = require("path");

const base = process.env.HCL2JSON_NODE_MODULES;
const { format } = require(base ? path.join(base, "@cdktf/hcl-tools") : "@cdktf/hcl-tools");

function tfFiles(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".")) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) tfFiles(full, out);
    else if (/\.(tf|tfvars)$/.test(e.name)) out.push(full);
  }
  return out;
}

(async () => {
  const files = process.argv.slice(2).flatMap((d) => tfFiles(d)).sort();
  let bad = 0;
  for (const f of files) {
    const text = fs.readFileSync(f, "utf8");
    if ((await format(text)) !== text) {
      console.log(`needs formatting: ${f}`);
      bad++;
    }
  }
  console.log(`hclwrite format: ${files.length - bad} passed, ${bad} failed`);
  process.exit(bad === 0 && files.length > 0 ? 0 : 1);
})().catch((e) => {
  console.error(e.stack || e);
  process.exit(1);
});

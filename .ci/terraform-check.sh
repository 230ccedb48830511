#!/usr/bin/env bash
# Offline checks of terraform/ (providers cannot be downloaded here, so no init/validate):
#   1. terraform fmt -check -recursive terraform
#   2. HCL parse of every .tf file with @cdktf/hcl2json (pinned in .ci/terraform-tools)
#   3. lint: variables have description + type and are used; outputs have descriptions;
#      references resolve; local module calls match the module's inputs/outputs; module READMEs
#      list every input and output (.ci/terraform-lint.js)
#   4. self-test of the lint against deliberately broken fixtures (.ci/terraform-fixtures)
#   5. static checks of infra/docker/*.Dockerfile (.ci/dockerfile-check.js; Docker can't run here)
# Exits non-zero if any step fails, after running all of them, and prints a summary.
#
# The npm packages are installed once into a cache (POSDUIF_TOOLS_CACHE, default
# ~/.cache/posduif-ci) from the committed package-lock.json; later runs need no network.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TOOLS_SRC="$ROOT/.ci/terraform-tools"
CACHE_BASE="${POSDUIF_TOOLS_CACHE:-${HOME:-/tmp}/.cache/posduif-ci}"
LOCK_SUM="$(cat "$TOOLS_SRC/package.json" "$TOOLS_SRC/package-lock.json" | sha256sum | cut -c1-16)"
TOOLS_DIR="$CACHE_BASE/terraform-tools-$LOCK_SUM"

declare -a RESULTS=()
FAILED=0

record() { # name status
  RESULTS+=("$2  $1")
  if [ "$2" != "PASS" ]; then FAILED=$((FAILED + 1)); fi
}

install_tools() {
  if [ -f "$TOOLS_DIR/.installed" ]; then return 0; fi
  command -v npm >/dev/null 2>&1 || { echo "npm not found: cannot install @cdktf/hcl2json" >&2; return 1; }
  mkdir -p "$TOOLS_DIR"
  cp "$TOOLS_SRC/package.json" "$TOOLS_SRC/package-lock.json" "$TOOLS_DIR/"
  (cd "$TOOLS_DIR" && npm ci --prefer-offline --no-audit --no-fund --ignore-scripts --loglevel=error) >&2 &&
    touch "$TOOLS_DIR/.installed"
}

echo "== terraform-check: installing pinned tools into $TOOLS_DIR"
if install_tools; then
  export HCL2JSON_NODE_MODULES="$TOOLS_DIR/node_modules"
  record "tools: @cdktf/hcl2json + @cdktf/hcl-tools (package-lock.json)" PASS
else
  record "tools: @cdktf/hcl2json + @cdktf/hcl-tools (package-lock.json)" FAIL
fi

export TF_CLI_CONFIG_FILE=/dev/null # fmt needs no CLI config; a missing one only warns
echo "== terraform fmt -check -recursive terraform"
if command -v terraform >/dev/null 2>&1; then
  if terraform fmt -no-color -check -recursive -diff terraform; then
    record "terraform fmt -check -recursive terraform ($(terraform version | head -1))" PASS
  else
    echo "-> run: terraform fmt -recursive terraform" >&2
    record "terraform fmt -check -recursive terraform" FAIL
  fi
else
  # Fallback for machines without the terraform binary: the same hclwrite formatter, as WASM.
  echo "terraform not on PATH: checking layout with hclwrite (@cdktf/hcl-tools) instead" >&2
  if [ -n "${HCL2JSON_NODE_MODULES:-}" ] && node "$ROOT/.ci/terraform-fmt-check.js" terraform; then
    record "hclwrite format check of terraform (terraform binary absent)" PASS
  else
    record "hclwrite format check of terraform (terraform binary absent)" FAIL
  fi
fi

echo "== HCL parse + lint of terraform/"
if [ -n "${HCL2JSON_NODE_MODULES:-}" ] && node "$ROOT/.ci/terraform-lint.js" terraform; then
  record "hcl2json parse + variable/output/reference/README lint" PASS
else
  record "hcl2json parse + variable/output/reference/README lint" FAIL
fi

echo "== lint self-test (broken fixtures must be reported)"
if [ -n "${HCL2JSON_NODE_MODULES:-}" ] && node "$ROOT/.ci/terraform-lint.js" --self-test; then
  record "lint self-test on .ci/terraform-fixtures" PASS
else
  record "lint self-test on .ci/terraform-fixtures" FAIL
fi

echo "== Dockerfiles (multi-stage JDK 21 -> JRE 21, non-root, HEALTHCHECK /health, reactor sources)"
if node "$ROOT/.ci/dockerfile-check.js" infra/docker/sse-relay.Dockerfile:sse-relay:8081 infra/docker/functions.Dockerfile:functions:8080; then
  record "infra/docker Dockerfile structure" PASS
else
  record "infra/docker Dockerfile structure" FAIL
fi

echo
echo "== terraform-check summary"
for r in "${RESULTS[@]}"; do echo "  $r"; done
TOTAL=${#RESULTS[@]}
echo "terraform-check: $((TOTAL - FAILED)) passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

#!/usr/bin/env bash
# Prints the size of the release wasm bundle, raw and brotli-compressed (max quality), and warns
# (does not fail) when the compressed size is over the budget.
#   usage: scripts/wasm-size.sh [path/to/file.wasm] [budget-bytes]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WASM="${1:-$ROOT/target/site/pkg/registry.wasm}"
BUDGET="${2:-$((250 * 1024))}"
[[ -f "$WASM" ]] || { echo "wasm-size: $WASM not found (run cargo leptos build --release first)" >&2; exit 1; }
node - "$WASM" "$BUDGET" <<'JS'
const fs = require('node:fs');
const zlib = require('node:zlib');
const [file, budgetArg] = process.argv.slice(2);
const budget = Number(budgetArg);
const raw = fs.readFileSync(file);
const br = zlib.brotliCompressSync(raw, {
  params: {
    [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_GENERIC,
    [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
    [zlib.constants.BROTLI_PARAM_LGWIN]: zlib.constants.BROTLI_MAX_WINDOW_BITS,
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
  },
});
console.log(`wasm size: ${raw.length} bytes raw, ${br.length} bytes brotli (budget ${budget})`);
if (br.length > budget) {
  console.log(`WARNING: the brotli-compressed wasm is ${br.length - budget} bytes over the budget of ${budget} bytes`);
}
JS

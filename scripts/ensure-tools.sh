#!/usr/bin/env bash
# Installs the build and test tools this project needs, and only those that are missing.
# Idempotent: a second run installs nothing. Everything comes from package registries
# (crates.io, npm, Debian); nothing is downloaded as a prebuilt binary.
#   scripts/ensure-tools.sh           install what is missing
#   scripts/ensure-tools.sh --check   only report what is missing (exit 1 if anything is)
set -euo pipefail

CHECK_ONLY=0
[[ "${1:-}" == "--check" ]] && CHECK_ONLY=1
MISSING=()

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
export CARGO_BUILD_JOBS=2

CARGO_LEPTOS_VERSION="0.3.10"
BINARYEN_MAJOR="132"

say() { printf '[ensure-tools] %s\n' "$*"; }
die() { printf '[ensure-tools] ERROR: %s\n' "$*" >&2; exit 1; }
# need "what" command...: runs the command, or with --check only records what is missing.
need() {
  local what="$1"; shift
  if (( CHECK_ONLY )); then
    say "MISSING: ${what} (would run: $*)"
    MISSING+=("$what")
  else
    say "installing ${what}: $*"
    "$@"
  fi
}

command -v cargo >/dev/null 2>&1 || die "cargo not found (expected rustup in ~/.cargo/bin)"
command -v npm >/dev/null 2>&1 || die "npm not found (expected Node 20 + npm in /usr/bin)"

# --- Rust: the wasm target -----------------------------------------------------------------
if rustup target list --installed | grep -qx 'wasm32-unknown-unknown'; then
  say "rust target wasm32-unknown-unknown: present"
else
  need "rust target wasm32-unknown-unknown" rustup target add wasm32-unknown-unknown
fi
for comp in clippy rustfmt; do
  if rustup component list --installed | grep -q "^${comp}"; then
    say "rust component ${comp}: present"
  else
    need "rust component ${comp}" rustup component add "${comp}"
  fi
done

# --- cargo-leptos ----------------------------------------------------------------------------
have_leptos="$(cargo leptos --version 2>/dev/null | awk '{print $NF}' || true)"
if [[ "$have_leptos" == "$CARGO_LEPTOS_VERSION" ]]; then
  say "cargo-leptos ${CARGO_LEPTOS_VERSION}: present"
else
  need "cargo-leptos ${CARGO_LEPTOS_VERSION} (found: '${have_leptos:-none}')" \
    cargo install "cargo-leptos@${CARGO_LEPTOS_VERSION}" --locked --features no_downloads
fi

# --- cargo-deny (licences, bans and sources in `make lint`) --------------------------------------
CARGO_DENY_VERSION="0.20.2"
have_deny="$(cargo deny --version 2>/dev/null | awk '{print $NF}' || true)"
if [[ "$have_deny" == "$CARGO_DENY_VERSION" ]]; then
  say "cargo-deny ${CARGO_DENY_VERSION}: present"
else
  need "cargo-deny ${CARGO_DENY_VERSION} (found: '${have_deny:-none}')" \
    cargo install "cargo-deny@${CARGO_DENY_VERSION}" --locked
fi

# --- wasm-bindgen-cli at the Cargo.lock version of wasm-bindgen ------------------------------
lock_wasm_bindgen() {
  [[ -f Cargo.lock ]] || return 0
  awk '
    /^\[\[package\]\]/      { inpkg = 0 }
    /^name = "wasm-bindgen"$/ { inpkg = 1 }
    inpkg && /^version = "/ { v = $3; gsub(/"/, "", v); print v; exit }
  ' Cargo.lock
}
wb_version="$(lock_wasm_bindgen)"
if [[ -z "$wb_version" ]] && (( ! CHECK_ONLY )); then
  say "Cargo.lock missing or without wasm-bindgen: running cargo generate-lockfile"
  cargo generate-lockfile
  wb_version="$(lock_wasm_bindgen)"
fi
have_wb="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [[ -z "$wb_version" ]]; then
  (( CHECK_ONLY )) || die "could not find the wasm-bindgen version in Cargo.lock"
  say "MISSING: Cargo.lock with wasm-bindgen (wasm-bindgen-cli found: '${have_wb:-none}')"
  MISSING+=("Cargo.lock")
elif [[ "$have_wb" == "$wb_version" ]]; then
  say "wasm-bindgen-cli ${wb_version}: present"
else
  # No --locked: the lockfile published with some versions (0.2.130) does not build.
  need "wasm-bindgen-cli ${wb_version} (found: '${have_wb:-none}')" \
    cargo install wasm-bindgen-cli --version "${wb_version}"
fi

# --- npm packages: wasm-opt (tools/) and the browser tests (e2e/) ----------------------------
npm_ci_if_needed() {
  local dir="$1"
  if [[ ! -f "$dir/node_modules/.package-lock.json" || "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    # No install scripts are needed (and none may download anything, e.g. browsers).
    need "npm packages in ${dir}/" \
      env -C "$dir" PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund
  else
    say "npm packages in ${dir}/: up to date"
  fi
}
npm_ci_if_needed tools
npm_ci_if_needed e2e

# --- Chromium for the browser tests -----------------------------------------------------------
if [[ -x /usr/bin/chromium ]]; then
  say "chromium: present ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
else
  need "chromium (apt-get update first)" apt-get update
  need "chromium" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

# --- nginx for the reverse-proxy test (server/tests/api/proxy.rs) -------------------------------
# Debian's nginx, as the county runs in front of the app; the test starts its own on a loopback
# port with a configuration of its own (the package's service is not started, and not needed).
if [[ -x /usr/sbin/nginx ]]; then
  say "nginx: present ($(/usr/sbin/nginx -v 2>&1 | sed 's/^nginx version: //'))"
else
  [[ -d /var/lib/apt/lists/partial ]] && [[ -n "$(ls /var/lib/apt/lists 2>/dev/null | grep -v partial | head -1)" ]] \
    || need "apt package lists" apt-get update
  need "nginx" env DEBIAN_FRONTEND=noninteractive apt-get install -y nginx
fi

# --- LibreOffice Calc for the export tests (server/tests/api/exports.rs) ---------------------------
# A reviewer's spreadsheet: the tests print the XLSX exports to PDF with it, as a clerk would.
if command -v soffice >/dev/null 2>&1; then
  say "LibreOffice: present ($(soffice --version 2>/dev/null | head -1))"
else
  [[ -d /var/lib/apt/lists/partial ]] && [[ -n "$(ls /var/lib/apt/lists 2>/dev/null | grep -v partial | head -1)" ]] \
    || need "apt package lists" apt-get update
  need "LibreOffice Calc" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libreoffice-calc-nogui
fi

# A CJK font, so that screenshots of the Chinese pages show characters rather than boxes.
if [[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]]; then
  say "CJK font (fonts-wqy-zenhei): present"
else
  [[ -d /var/lib/apt/lists/partial ]] && [[ -n "$(ls /var/lib/apt/lists 2>/dev/null | grep -v partial | head -1)" ]] \
    || need "apt package lists" apt-get update
  need "CJK font" env DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-wqy-zenhei
fi

# --- schemathesis (PyPI) for the API fuzz run, in tools/venv --------------------------------------
# Debian's python3: pyenv's 3.11.7 trips a CPython AST bug in hypothesis's coverage phase.
SCHEMATHESIS_VERSION="4.32.5"
PY="/usr/bin/python3"
[[ -x "$PY" ]] || PY="$(command -v python3 || true)"
if [[ -x tools/venv/bin/st ]] && [[ "$(tools/venv/bin/st --version 2>/dev/null | awk '{print $NF}')" == "$SCHEMATHESIS_VERSION" ]]; then
  say "schemathesis ${SCHEMATHESIS_VERSION} (tools/venv): present"
else
  if [[ -z "$PY" ]] || ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    need "python3 with venv (apt-get update first)" apt-get update
    need "python3 with venv" env DEBIAN_FRONTEND=noninteractive apt-get install -y python3 python3-venv
    PY="/usr/bin/python3"
  fi
  need "schemathesis ${SCHEMATHESIS_VERSION} in tools/venv" \
    bash -c "rm -rf tools/venv && '$PY' -m venv tools/venv && tools/venv/bin/pip install -q 'schemathesis==${SCHEMATHESIS_VERSION}'"
fi

if (( CHECK_ONLY )); then
  if (( ${#MISSING[@]} )); then
    say "missing: ${MISSING[*]}"
    exit 1
  fi
fi

# --- Verify: the wasm-opt cargo-leptos will find is npm binaryen 132 ---------------------------
wasm_opt_path="$(command -v wasm-opt || true)"
wasm_opt_version="$(wasm-opt --version 2>/dev/null || true)"
if [[ "$wasm_opt_path" != "$ROOT/tools/node_modules/.bin/wasm-opt" ]] \
   || ! grep -q "version ${BINARYEN_MAJOR}\b" <<<"$wasm_opt_version"; then
  die "the first wasm-opt on PATH is '${wasm_opt_path:-none}' ('${wasm_opt_version:-no version}');
expected ${ROOT}/tools/node_modules/.bin/wasm-opt, version ${BINARYEN_MAJOR} (npm binaryen).
Debian's /usr/bin/wasm-opt (binaryen 108) produces wasm that fails to hydrate.
Source scripts/env.sh or run through make."
fi
say "wasm-opt: ${wasm_opt_path} (${wasm_opt_version})"
say "all tools present"

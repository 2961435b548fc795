#!/usr/bin/env bash
# Fuzzes the JSON API from its own OpenAPI document with schemathesis: a release server on a
# temporary SQLite database with the demo data, one API token per role, and for each role the
# coverage, fuzzing and stateful phases. Fails on any 5xx, any response that breaks the
# document (schema, status code, content type), any schema-invalid request the API accepts,
# or a panic in the server's log.
#   scripts/fuzz-api.sh                  (FUZZ_EXAMPLES=N per operation, default 40)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"

EXAMPLES="${FUZZ_EXAMPLES:-40}"
PORT="${FUZZ_PORT:-3210}"
ST="$ROOT/tools/venv/bin/st"
[[ -x "$ST" ]] || { echo "schemathesis missing: run scripts/ensure-tools.sh" >&2; exit 1; }
[[ -x target/release/server && -d target/site/pkg ]] || cargo leptos build --release

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

export DATABASE_URL="sqlite://${WORK}/fuzz.db?mode=rwc"
export LEPTOS_OUTPUT_NAME=registry LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_SITE_ADDR="127.0.0.1:${PORT}"
export ATTACHMENTS_DIR="${WORK}/attachments" MAIL_DIR="${WORK}/mail" SMTP_URL=""
export REMINDER_TICK_SECONDS=0 MAIL_POLL_SECONDS=0
# The fuzzer is not an attacker: the per-address limit would only hide the endpoints behind 429s.
export AUTH_RATE_PER_MINUTE=100000 AUTH_RATE_BURST=100000
export RUST_LOG="${RUST_LOG:-warn}"

target/release/server serve --demo >"${WORK}/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do
  curl -fsS "http://${LEPTOS_SITE_ADDR}/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "http://${LEPTOS_SITE_ADDR}/healthz" >/dev/null || { cat "${WORK}/server.log" >&2; exit 1; }

status=0
for user in submitter reviewer admin auditor security; do
  token="$(target/release/server create-token --username "$user" --name fuzz --expires-days 1 --scope write 2>/dev/null)"
  echo "==> schemathesis as ${user} (${EXAMPLES} examples per operation)"
  if ! PYTHONPATH="$ROOT/scripts" SCHEMATHESIS_HOOKS=schemathesis_hooks "$ST" run "http://${LEPTOS_SITE_ADDR}/api/v1/openapi.json" \
      --header "Authorization: Bearer ${token}" \
      --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection \
      --phases examples,coverage,fuzzing,stateful \
      --max-examples "$EXAMPLES" --workers 2 --seed 20261127 \
      --suppress-health-check all --no-color; then
    status=1
  fi
done

if grep -n "panicked" "${WORK}/server.log"; then
  echo "the server panicked during the fuzz run" >&2
  status=1
fi
exit "$status"

#!/usr/bin/env bash
# Benchmark of the registry export (issue 6): CSV and XLSX of N accounts (default 1,000,000) with
# the release binary, wall time and peak memory (GNU time's maximum resident set size), beside
# `sqlite3 -csv` running the same join on the same SQLite file.
#
#   scripts/bench-export.sh [N]        # needs target/release/server (make build) and sqlite3
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:-1000000}"
SERVER=target/release/server
[ -x "$SERVER" ] || { echo "build first: cargo leptos build --release (or make build)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed (apt-get install sqlite3)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time is needed (apt-get install time)" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
DB="$WORK/bench.db"
export DATABASE_URL="sqlite://$DB?mode=rwc" RUST_LOG=warn

"$SERVER" migrate >/dev/null

# Ten units, four platforms, N accounts spread over them. Art. 9 allows one live account per unit
# and platform: the generated ones carry a waiver, as legacy duplicates would.
sqlite3 "$DB" <<SQL
PRAGMA journal_mode = WAL;
INSERT INTO units (code, kind, name, short_name, credit_code, parent_id, created_at)
SELECT 'unit-' || value, 'department', '石柱土家族自治县测试单位' || value, '测试' || value,
       printf('1250024000000000%02d', value), NULL,
       '2026-01-01T00:00:00+00:00'
FROM generate_series(1, 10);
INSERT INTO platforms (code, name_zh, name_en, nationally_approved, has_account_id, sort_order) VALUES
  ('wechat_oa', '微信公众号', 'WeChat Official Account', 1, 1, 1),
  ('weibo', '新浪微博', 'Weibo', 1, 1, 2),
  ('douyin', '抖音', 'Douyin', 1, 1, 3),
  ('kuaishou', '快手', 'Kuaishou', 1, 1, 4);
INSERT INTO accounts (host_unit_id, platform_id, name, platform_account_id, verification_subject,
  operating_unit, outsourced, purpose, opened_on, status, in_national_system, custodian_name,
  custodian_mobile, password_rotated_on, art9_waiver, created_at, updated_at)
SELECT 1 + value % 10, 1 + value % 4, '石柱政务账号' || value, 'gh_' || value,
       '石柱土家族自治县测试单位' || (1 + value % 10), '石柱土家族自治县融媒体中心', value % 2,
       '发布政务信息、回应社会关切，编号' || value, '2025-03-01', 'active', value % 3 = 0,
       '谭明', '138' || printf('%08d', value % 100000000), '2026-10-01', 'benchmark',
       '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00'
FROM generate_series(1, $N);
SQL

echo "accounts: $(sqlite3 "$DB" 'SELECT count(*) FROM accounts')"
echo "database: $(du -h "$DB" | cut -f1)"

measure() {
  local label="$1"; shift
  /usr/bin/time -f "$label: %e s wall, %M KB peak RSS" "$@" 2>&1 >/dev/null | grep -E "^$label:" || true
}

measure "server export csv " "$SERVER" export registry --format csv --out "$WORK/registry.csv"
measure "server export xlsx" "$SERVER" export registry --format xlsx --out "$WORK/registry.xlsx"
measure "sqlite3 -csv      " sqlite3 -csv "$DB" \
  "SELECT a.id, u.name, u.credit_code, u.kind, p.name_zh, a.name, a.platform_account_id,
          a.verification_subject, a.operating_unit, a.outsourced, a.purpose, a.opened_on, a.status,
          a.in_national_system, a.custodian_name, a.custodian_mobile, a.password_rotated_on
   FROM accounts a JOIN units u ON u.id = a.host_unit_id JOIN platforms p ON p.id = a.platform_id
   ORDER BY a.id"
echo "csv:  $(du -h "$WORK/registry.csv" | cut -f1), $(($(wc -l < "$WORK/registry.csv") - 1)) rows"
echo "xlsx: $(du -h "$WORK/registry.xlsx" | cut -f1)"

#!/usr/bin/env bash
# SQL injection check (docs/SECURITY.md, "Injection check"): runs sqlmap against a local demo server's
# search, suggest, directory and product endpoints, on SQLite, or on PostgreSQL when DATABASE_URL is set.
#
#   bash bench/sqlmap.sh                      # SQLite, a small demo region in a temporary directory
#   DATABASE_URL=postgres://… bash bench/sqlmap.sh   # PostgreSQL (a private schema, dropped afterwards)
#   SQLMAP_MINUTES=10 LEVEL=2 RISK=1 bash bench/sqlmap.sh
#
# Needs sqlmap on PATH (Debian: apt-get install -y sqlmap). Exit status 0 when sqlmap reports no
# injectable parameter, 1 when it finds one, 2 when it could not run.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v sqlmap >/dev/null; then
  echo "sqlmap is not installed (apt-get install -y sqlmap); see docs/SECURITY.md for the manual check." >&2
  exit 2
fi

LEVEL=${LEVEL:-2}
RISK=${RISK:-1}
MINUTES=${SQLMAP_MINUTES:-8}
PORT=${PORT:-$((39000 + RANDOM % 1000))}
WORK=$(mktemp -d /tmp/comptoir-sqlmap-XXXXXX)
NODE=(node_modules/.bin/node)
[ -x "${NODE[0]}" ] || NODE=(npx node)
SERVER_PID=
PG_SCHEMA=

cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$PG_SCHEMA" ]; then psql "$DATABASE_URL" -qc "drop schema if exists $PG_SCHEMA cascade" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export DATA_DIR="$WORK/data" LOG_LEVEL=warn NODE_ENV=production INSECURE_COOKIES=1 PORT HOST=127.0.0.1
export PUBLIC_URL="http://127.0.0.1:$PORT"
export SESSION_SECRET=$(head -c 32 /dev/urandom | base64 | tr -d '/+=')
if [ -n "${DATABASE_URL:-}" ]; then
  PG_SCHEMA="sqlmap_$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  psql "$DATABASE_URL" -qc "create schema $PG_SCHEMA"
  case "$DATABASE_URL" in *\?*) sep='&' ;; *) sep='?' ;; esac
  export DATABASE_URL="${DATABASE_URL}${sep}options=-c%20search_path%3D${PG_SCHEMA}"
  BACKEND=postgres
else
  unset DATABASE_URL
  BACKEND=sqlite
fi

echo "seeding a small demo region ($BACKEND)…"
"${NODE[@]}" src/cli/main.ts seed --demo --merchants 40 --products 2000 >"$WORK/seed.log" 2>&1
"${NODE[@]}" src/cli/main.ts serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 150); do
  curl -fs "$BASE/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "$BASE/readyz" >/dev/null || { echo "server did not start" >&2; cat "$WORK/server.log" >&2; exit 2; }

json_first() { # json_first URL EXPRESSION: a value from a JSON response, read with Node
  curl -fs "$1" | "${NODE[@]}" -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{try{const j=JSON.parse(s);console.log($2??'')}catch{console.log('')}})"
}
SLUG=$(json_first "$BASE/api/v1/merchants?per_page=1" '(j.merchants ?? j.results ?? j.items ?? [])[0]?.slug')
PRODUCT=$(json_first "$BASE/api/v1/search?q=sirop&per_page=1" '(j.results ?? j.items ?? [])[0]?.product_id')
PRODUCT=${PRODUCT:-1}
SLUG=${SLUG:-x}
echo "targets use merchant \"$SLUG\" and product $PRODUCT"

# The '*' marks where sqlmap injects in a URL path.
TARGETS=(
  "$BASE/api/v1/search?q=sirop&near=Gatineau&category=epicerie&sort=relevance&page=1"
  "$BASE/api/v1/suggest?q=sir&lang=fr"
  "$BASE/api/v1/merchants?q=sirop&category=epicerie&page=1"
  "$BASE/api/v1/merchants/${SLUG}*"
  "$BASE/api/v1/products/${PRODUCT}*"
  "$BASE/fr/p/${PRODUCT}*"
  "$BASE/fr/recherche?q=sirop&near=Gatineau"
)

echo "sqlmap $(sqlmap --version 2>/dev/null | grep -Eo '^[0-9][^ ]*' | head -1) --level $LEVEL --risk $RISK, at most $MINUTES min per target"
found=0
for url in "${TARGETS[@]}"; do
  echo "== $url"
  out="$WORK/sqlmap-$(echo "$url" | md5sum | cut -c1-8)"
  set +e
  timeout "$((MINUTES * 60))" sqlmap -u "$url" --batch --level "$LEVEL" --risk "$RISK" \
    --output-dir "$out" --flush-session --disable-coloring --threads 2 --timeout 15 --retries 1 \
    --skip-waf 2>&1 | tee "$out.log" |
    grep -E "is vulnerable|injectable|all tested parameters|might not be injectable|identified the following|CRITICAL|ERROR" | sort -u
  rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" = 124 ] && echo "   (stopped after $MINUTES min)"
  if grep -qE "identified the following injection point|parameter '.*' is vulnerable" "$out.log"; then found=1; fi
done
# Server errors during the run: injected input must never crash a query.
errors=$(grep -c '"level":50' "$WORK/server.log" || true)
echo "server errors logged during the run: $errors"
if [ "$found" = 1 ]; then
  echo "RESULT: sqlmap reported an injection point"
  exit 1
fi
echo "RESULT: no injectable parameter found ($BACKEND)"

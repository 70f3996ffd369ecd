#!/usr/bin/env bash
# The tenant fan-out at full size, run by hand (the suite runs 50 schemas in
# cargo-migrate/tests/cli/fleet.rs): N PostgreSQL schemas × M migrations with
# `cargo migrate run --schemas 'tenant_*' -j J`, one tenant made to fail halfway.
#
#   1. Tenant FAIL has a table in the way of migration M/2, so its run stops there: the
#      command exits 1 and names one failed target; every other schema reaches the last
#      migration.
#   2. The table is removed and the same command runs again: only that tenant's remainder is
#      applied (M/2 .. M), nothing else.
#
#   bash tests/fleet.sh [schemas] [migrations] [jobs]        (1000 20 8 by default)
#
# Uses MIGRATE_TEST_POSTGRES_URL's server (default postgres://postgres@127.0.0.1:5432/test) and
# a database of its own, dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEMAS=${1:-1000}
M=${2:-20}
JOBS=${3:-8}
PG=${MIGRATE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
SERVER=${PG%/*}
DB=fleet_by_hand_$$
URL="$SERVER/$DB"
FAIL=$(printf 'tenant_%04d' $(( (SCHEMAS + 1) / 2 )))
HALF=$(( M / 2 ))
WORK=$(mktemp -d)
cleanup() {
    rm -rf "$WORK"
    psql -X -q "$SERVER/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cargo build -q --release -p cargo-migrate
OURS=$PWD/target/release/cargo-migrate

mkdir -p "$WORK/migrations"
for i in $(seq 1 "$M"); do
    printf -- '-- migrate:up\nCREATE TABLE t%d (id BIGINT PRIMARY KEY, v TEXT);\nCREATE INDEX t%d_v ON t%d (v);\n\n-- migrate:down\nDROP TABLE t%d;\n' \
        "$i" "$i" "$i" "$i" > "$WORK/migrations/$(printf '%014d' "$i")_m$i.sql"
done
psql -X -q "$SERVER/postgres" -c "CREATE DATABASE $DB" >/dev/null
seq -f 'CREATE SCHEMA tenant_%04g;' 1 "$SCHEMAS" | psql -X -q "$URL" >/dev/null
psql -X -q "$URL" -c "CREATE TABLE $FAIL.t$HALF (in_the_way int)" >/dev/null

run() {
    "$OURS" migrate --dir "$WORK/migrations" --database-url "$URL" run --schemas 'tenant_*' -j "$JOBS" --format json
}
at_head() { psql -X -At "$URL" -c "SELECT count(*) FROM pg_tables WHERE tablename = 't$M'"; }
applied_in() { psql -X -At "$URL" -c "SELECT count(*) FROM $1._migrations"; }

s=$(date +%s%3N)
set +e
run >"$WORK/first.json" 2>"$WORK/first.err"
code=$?
set -e
first_ms=$(( $(date +%s%3N) - s ))
failed=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["failed"])' "$WORK/first.json")
echo "first run: exit $code in $first_ms ms; $(at_head) of $SCHEMAS schemas at t$M; failed targets: $failed; $FAIL has $(applied_in "$FAIL") of $M applied"
tail -n 2 "$WORK/first.err"
[ "$code" = 1 ] && [ "$failed" = 1 ] && [ "$(at_head)" = $(( SCHEMAS - 1 )) ] || { echo "FAIL: expected exit 1, one failed target and the other $(( SCHEMAS - 1 )) at head" >&2; exit 1; }

psql -X -q "$URL" -c "DROP TABLE $FAIL.t$HALF" >/dev/null
s=$(date +%s%3N)
run >"$WORK/second.json" 2>"$WORK/second.err"
second_ms=$(( $(date +%s%3N) - s ))
applied=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(t.get("applied", 0) for t in d["targets"]))' "$WORK/second.json")
echo "second run: exit 0 in $second_ms ms; applied $applied migrations in all; $(at_head) of $SCHEMAS schemas at t$M"
[ "$applied" = $(( M - HALF + 1 )) ] && [ "$(at_head)" = "$SCHEMAS" ] || { echo "FAIL: expected only $FAIL's $(( M - HALF + 1 )) remaining migrations" >&2; exit 1; }
echo "ok"

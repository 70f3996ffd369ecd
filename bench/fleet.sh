#!/usr/bin/env bash
# The tenant fan-out: N PostgreSQL schemas × M migrations (a table, an index and a column
# each), J at a time, three ways, each on a fresh database:
#   raw   `psql -1` per schema (search_path set, every up in one file), J at a time (xargs -P);
#   ours  one `cargo migrate run --schemas 'tenant_*' -j J`;
#   loop  a shell loop of single `cargo migrate run` processes, J at a time, each with the
#         schema's search_path in its URL and `--table <schema>._migrations`.
# Prints `fleet <raw|ours|loop> <median ms>` and the ratios to raw.
#
#   bash bench/fleet.sh [schemas] [migrations] [jobs] [runs]     (1000 20 8 1 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEMAS=${1:-1000}
M=${2:-20}
JOBS=${3:-8}
RUNS=${4:-1}
PG=${MIGRATE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
SERVER=${PG%/*}
DB=bench_fleet
URL="$SERVER/$DB"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cargo build -q --release -p cargo-migrate
OURS=$PWD/target/release/cargo-migrate

mkdir -p "$WORK/migrations"
for i in $(seq 1 "$M"); do
    printf -- '-- migrate:up\nCREATE TABLE t%d (id BIGINT PRIMARY KEY, v TEXT);\nCREATE INDEX t%d_v ON t%d (v);\nALTER TABLE t%d ADD COLUMN w INT;\n\n-- migrate:down\nDROP TABLE t%d;\n' \
        "$i" "$i" "$i" "$i" "$i" > "$WORK/migrations/$(printf '%014d' "$i")_m$i.sql"
done
for f in "$WORK"/migrations/*.sql; do
    sed -n '/-- migrate:up/,/-- migrate:down/p' "$f" | grep -v -- '-- migrate:'
done > "$WORK/all.sql"

fresh() {
    psql -X -q "$SERVER/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
    seq -f 'CREATE SCHEMA tenant_%04g;' 1 "$SCHEMAS" | psql -X -q "$URL" >/dev/null
}
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
schemas() { seq -f 'tenant_%04g' 1 "$SCHEMAS"; }
export URL WORK OURS

raw() {
    schemas | xargs -P "$JOBS" -I{} sh -c '{ echo "SET search_path TO {};"; cat "$WORK/all.sql"; } | psql -X -q -1 -v ON_ERROR_STOP=1 "$URL" >/dev/null'
}
ours() {
    "$OURS" migrate --dir "$WORK/migrations" --database-url "$URL" run --schemas 'tenant_*' -j "$JOBS" -q >/dev/null
}
shell_loop() {
    schemas | xargs -P "$JOBS" -I{} sh -c '"$OURS" migrate --dir "$WORK/migrations" --database-url "$URL?options=-csearch_path%3D{}" --table {}._migrations run -q >/dev/null'
}

declare -A samples
for _ in $(seq 1 "$RUNS"); do
    for way in raw ours loop; do
        fresh
        s=$(now_ms)
        case $way in
            raw) raw ;;
            ours) ours ;;
            loop) shell_loop ;;
        esac
        samples[$way]+="$(( $(now_ms) - s )) "
        # Every schema reached the last migration.
        got=$(psql -X -At "$URL" -c "SELECT count(*) FROM pg_tables WHERE tablename = 't$M'")
        [ "$got" = "$SCHEMAS" ] || { echo "$way: $got of $SCHEMAS schemas reached t$M" >&2; exit 1; }
    done
done
raw_ms=$(printf '%s\n' ${samples[raw]} | median)
for way in raw ours loop; do
    ms=$(printf '%s\n' ${samples[$way]} | median)
    echo "fleet $way $ms ms $(awk -v a="$ms" -v b="$raw_ms" 'BEGIN { printf "%.2f×", a / b }')"
done
psql -X -q "$SERVER/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null

#!/usr/bin/env bash
# `cargo migrate verify` of crates.io's 285 migrations on PostgreSQL against one apply of them,
# and the time of one schema snapshot of the migrated database. Prints one line per figure:
#   verify <what> <median ms>
# where <what> is run-new (`run` into a database it creates, as `verify` creates its scratch
# database), run-empty (`run` into an existing empty database), verify (as it runs by default:
# changes read from event triggers, in parts on one scratch database per core), verify-j1 (on
# one scratch database) and verify-full (`--full-snapshots`, one scratch database), then the
# snapshot line of migrate-bench's snapshot-time.
#
#   bash bench/verify.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
CORPUS=${CORPUS:-tests/corpus/rust-lang__crates-io/migrations}
SERVER=${MIGRATE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
ROOT_URL=${SERVER%/*}
DB=bench_verify
URL="$ROOT_URL/$DB"
BIN=./target/release/cargo-migrate
cargo build -q --release -p cargo-migrate -p migrate-bench
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$SERVER" "$@"; }
ms() { # command… : runs it, prints its wall time in ms; exit codes 0 and 5 are expected
    local s rc=0
    s=$(date +%s%N)
    "$@" >/dev/null 2>&1 || rc=$?
    if [ "$rc" != 0 ] && [ "$rc" != 5 ]; then
        echo "$* exited $rc" >&2
        "$@" >&2 || true
        exit 1
    fi
    echo $(( ($(date +%s%N) - s) / 1000000 ))
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A samples
for _ in $(seq 1 "$RUNS"); do
    psql -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
    samples[run-new]+="$(ms $BIN migrate --dir "$CORPUS" --database-url "$URL" run -q) "
    psql -c "DROP DATABASE $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
    samples[run-empty]+="$(ms $BIN migrate --dir "$CORPUS" --database-url "$URL" run -q) "
    samples[verify]+="$(ms $BIN migrate --dir "$CORPUS" --database-url "$URL" verify -q) "
    samples[verify-j1]+="$(ms $BIN migrate --dir "$CORPUS" --database-url "$URL" -j 1 verify -q) "
    samples[verify-full]+="$(ms $BIN migrate --dir "$CORPUS" --database-url "$URL" -j 1 verify -q --full-snapshots) "
done
echo "verify cores $(nproc)"
for what in run-new run-empty verify verify-j1 verify-full; do
    echo "verify $what $(printf '%s\n' ${samples[$what]} | median)"
done
./target/release/snapshot-time "$URL" 11
psql -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"

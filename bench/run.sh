#!/usr/bin/env bash
# Every benchmark of SPEC §8, side by side in one run, written to docs/BENCHMARKS.md:
#   - apply 1,000 migrations on PostgreSQL, SQLite and MariaDB: cargo-migrate, sqlx-cli, dbmate
#     and the raw client (bench/apply.sh);
#   - statements a no-op `run` sends to PostgreSQL (migrate-bench noop-statements);
#   - the cold `cargo migrate check` of the same folders, per dialect (bench/apply.sh);
#   - rebuild cost of embed_migrations! against sqlx::migrate!, warm (cached check) and cold
#     (one migration changed), PostgreSQL and SQLite dialects (bench/build-time.sh);
#   - `cargo migrate check` on crates.io's 285 real migrations;
#   - 32 processes running `run` at once on 200 migrations (the fault harness's stampede);
#   - `verify` of crates.io's 285 migrations against one apply of them, and one schema snapshot
#     of the migrated database (bench/verify.sh);
#   - `run --schemas` over 1,000 PostgreSQL schemas × 20 migrations, 8 at a time, against
#     `psql -1` per schema and a shell loop of `cargo migrate run` (bench/fleet.sh).
#
#   bash bench/run.sh                 (RUNS=3 MIGRATIONS=1000 by default)
#
# Needs PostgreSQL and MariaDB as .ci/run starts them, and psql, mariadb and sqlite3. It installs
# the peers it lacks: sqlx-cli with cargo, dbmate with npm (into target/bench-peers).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-3}
N=${MIGRATIONS:-1000}
OUT=${OUT:-docs/BENCHMARKS.md}
CORPUS=${CORPUS:-$ROOT/tests/corpus/rust-lang__crates-io/migrations}
export MIGRATE_TEST_POSTGRES_URL="${MIGRATE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
export MIGRATE_TEST_MYSQL_URL="${MIGRATE_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}"
LOG=$(mktemp -d)
trap 'rm -rf "$LOG"' EXIT
say() { printf '==> %s\n' "$*" >&2; }

# Peers.
if ! command -v sqlx >/dev/null; then
    say "installing sqlx-cli"
    cargo install sqlx-cli --no-default-features --features sqlite,postgres,mysql,rustls --locked
fi
export DBMATE_DIR=${DBMATE_DIR:-$ROOT/target/bench-peers}
if ! command -v dbmate >/dev/null && [ ! -x "$DBMATE_DIR/node_modules/.bin/dbmate" ]; then
    say "installing dbmate"
    mkdir -p "$DBMATE_DIR"
    npm install --silent --prefix "$DBMATE_DIR" dbmate
fi
SQLX_VERSION=$(sqlx --version 2>/dev/null | head -n 1)
DBMATE_BIN=$(command -v dbmate || echo "$DBMATE_DIR/node_modules/.bin/dbmate")
DBMATE_VERSION=$("$DBMATE_BIN" --version 2>/dev/null | head -n 1)

say "building"
cargo build -q --release -p cargo-migrate -p migrate-bench

say "apply $N migrations, $RUNS runs each"
bash bench/apply.sh "$N" "$RUNS" | tee "$LOG/apply"

say "no-op run"
./target/release/noop-statements ./target/release/cargo-migrate "$(command -v sqlx)" | tee "$LOG/noop"

say "build time"
bash bench/build-time.sh "$N" "$RUNS" | tee "$LOG/build"

say "check on crates.io's migrations"
./target/release/check-time "$CORPUS" postgres 11 | tee "$LOG/check"
samples=()
for _ in $(seq 1 11); do
    s=$(date +%s%N)
    # The folder holds two known-broken downs, so the check exits 3; anything else fails the bench.
    rc=0
    ./target/release/cargo-migrate migrate --dir "$CORPUS" --dialect postgres check --format json >/dev/null || rc=$?
    if [ "$rc" != 0 ] && [ "$rc" != 3 ]; then
        echo "cargo migrate check exited $rc on $CORPUS" >&2
        exit 1
    fi
    samples+=($(( ($(date +%s%N) - s) / 1000000 )))
done
CHECK_CLI=$(printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')

say "verify of crates.io's migrations"
bash bench/verify.sh "$RUNS" | tee "$LOG/verify"

say "fan-out over 1,000 schemas"
bash bench/fleet.sh "${FLEET_SCHEMAS:-1000}" 20 8 1 | tee "$LOG/fleet"

say "32 processes at once"
rm -f target/tmp/reliability/stampede.md
cargo build -q -p cargo-migrate
cargo test -q -p migrate-tests --test faults stampede::stampede::heavy -- --ignored --test-threads=1 >"$LOG/stampede-test" 2>&1 \
    || { cat "$LOG/stampede-test" >&2; exit 1; }
cp target/tmp/reliability/stampede.md "$LOG/stampede"

# The report.
ratio() { awk -v d="$1" -v t="$2" '$1 == d && $2 == t {print $5}' "$LOG/apply" | tr -d '×'; }
ms() { awk -v d="$1" -v t="$2" '$1 == d && $2 == t {print $3}' "$LOG/apply"; }
noop() { awk -v t="$1" '$1 == "noop" && $2 == t {print $3}' "$LOG/noop"; }
build() { awk -v k="$1" -v c="$2" '$1 == k && $2 == c && $4 == "ms" {print $3}' "$LOG/build"; }
verdict() { # value target-op target
    awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
        if (v == "") { print "not measured"; exit }
        ok = (op == "<=") ? (v + 0 <= t + 0) : (v + 0 == t + 0)
        print ok ? "met" : "**missed**"
    }'
}
cell() { [ -n "$1" ] && printf '%s×' "$1" || printf 'not run'; }
CHECK_MS=$(sed -n 's/.*median \([0-9.]*\) ms.*/\1/p' "$LOG/check")
EMPTY=$(build warm empty); SQLX_WARM=$(build warm sqlx); SQLX_COLD=$(build cold sqlx)
vms() { awk -v w="$1" '$1 == "verify" && $2 == w {print $3}' "$LOG/verify"; }
vratio() { awk -v a="$(vms "$1")" -v b="$(vms "$2")" 'BEGIN { if (a && b) printf "%.2f", a / b }'; }
SNAPSHOT_MS=$(sed -n 's/^snapshot .* median \([0-9.]*\) ms.*/\1/p' "$LOG/verify")
SNAPSHOT_OBJECTS=$(sed -n 's/^snapshot \([0-9]*\) objects.*/\1/p' "$LOG/verify")
fleet_ms() { awk -v w="$1" '$1 == "fleet" && $2 == w {print $3}' "$LOG/fleet"; }
fleet_ratio() { awk -v w="$1" '$1 == "fleet" && $2 == w {print $5}' "$LOG/fleet" | tr -d '×'; }

{
    echo "# Benchmarks"
    echo
    echo "Written by \`bash bench/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'); do not edit by hand."
    echo
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr);"
    echo "$(psql --version | head -n 1); $(mariadb --version | sed 's/,.*//'); sqlite3 $(sqlite3 --version | cut -d' ' -f1);"
    echo "peers: ${SQLX_VERSION:-sqlx-cli}, dbmate ${DBMATE_VERSION:-?}; cargo-migrate $(./target/release/cargo-migrate --version 2>/dev/null | awk '{print $NF}')."
    echo
    echo "Times are medians of $RUNS runs, each on a fresh database; the apply figures are ratios to"
    echo "the raw client applying the same SQL in one go, so lower is better and 1.00× is the client."
    echo
    echo "| figure | cargo-migrate | sqlx-cli | dbmate | target | |"
    echo "|---|---|---|---|---|---|"
    for d in postgres sqlite mysql; do
        case $d in
            postgres) label="apply $N on PostgreSQL, ratio to \`psql -1 -f all.sql\` ($(ms postgres raw) ms). cargo-migrate, sqlx-cli and dbmate commit each migration with its history row, the client once for all: the tools pay $N commits, the client one"; target=1.15 ;;
            sqlite) label="apply $N on SQLite, ratio to \`sqlite3\` in one transaction ($(ms sqlite raw) ms). What each commits: cargo-migrate one transaction for the whole run (as the raw client here), sqlx-cli and dbmate one per migration, so theirs include $N commits and ours one. The consequence: a crash or kill in the middle of our run rolls the whole run back (the next run applies it all again), where theirs keep each migration committed before the crash"; target=1.15 ;;
            mysql) label="apply $N on MariaDB, ratio to the \`mariadb\` client ($(ms mysql raw) ms). DDL commits on its own on MariaDB, for every tool and the client alike"; target=1.10 ;;
        esac
        o=$(ratio $d ours)
        echo "| $label | $(cell "$o") | $(cell "$(ratio $d sqlx)") | $(cell "$(ratio $d dbmate)") | ≤ ${target}× | $(verdict "$o" "<=" "$target") |"
    done
    for d in postgres sqlite mysql; do
        o=$(ratio $d check)
        echo "| cold \`cargo migrate check\` of the same $N migrations, $d dialect ($(ms $d check) ms), ratio to cargo-migrate's apply of them$( [ $d = sqlite ] && echo ': the SQLite check executes every up and every down in memory' ) | $(cell "$o") | — | — | ≤ 1.5× | $(verdict "$o" "<=" 1.5) |"
    done
    o=$(noop ours-runtime)
    echo "| \`run\` with nothing pending: statements sent to PostgreSQL, by \`Migrator::run\` on a warm connection | $o | sqlx \`Migrator::run\`: $(noop sqlx-runtime) | — | 1 | $(verdict "$o" "==" 1) |"
    echo "| the same, by the whole \`run\` process (connection set-up included) | $(noop ours-cli) | $(noop sqlx-cli) | — | — | |"
    for d in postgres sqlite; do
        w=$(build warm "ours-$d"); c=$(build cold "ours-$d")
        echo "| warm rebuild embedding $N migrations, $d dialect: release, after touching main.rs, no migration changed, so the cached check is reused (the crate without a macro: ${EMPTY} ms) | +$(( w - EMPTY )) ms | \`sqlx::migrate!\`: +$(( SQLX_WARM - EMPTY )) ms | — | ≤ sqlx + 500 ms | $(verdict "$(( w - SQLX_WARM ))" "<=" 500) ($(printf '%+d' "$(( w - SQLX_WARM ))") ms) |"
        echo "| cold rebuild embedding $N migrations, $d dialect: release, after one migration changed, so the whole folder is checked again$( [ $d = sqlite ] && echo ' (every migration executed)' ) | ${c} ms | \`sqlx::migrate!\`: ${SQLX_COLD} ms | — | ≤ sqlx + 500 ms | $(verdict "$(( c - SQLX_COLD ))" "<=" 500) ($(printf '%+d' "$(( c - SQLX_COLD ))") ms) |"
    done
    echo "| \`check\` of crates.io's 285 migrations, PostgreSQL: load and check in process | ${CHECK_MS} ms | — | — | ≤ 300 ms | $(verdict "$CHECK_MS" "<=" 300) |"
    echo "| the same, the whole \`cargo migrate check\` process | ${CHECK_CLI} ms | — | — | ≤ 300 ms | $(verdict "$CHECK_CLI" "<=" 300) |"
    o=$(vratio verify run-empty)
    CORES=$(awk '$1 == "verify" && $2 == "cores" {print $3}' "$LOG/verify")
    echo "| \`verify\` of crates.io's 285 migrations on PostgreSQL ($(vms verify) ms as it runs by default on $CORES cores: in $CORES parts at once, each on a scratch database of its own made and dropped, every migration up, down and up, 3 snapshots each), ratio to one \`cargo migrate run\` of them into an existing empty database ($(vms run-empty) ms) | $(cell "$o") | — | — | ≤ 4× (floor 3× on one database) | $(verdict "$o" "<=" 4) |"
    echo "| the same on one scratch database (\`-j 1\`, $(vms verify-j1) ms), ratio to the \`run\` into an empty database | $(cell "$(vratio verify-j1 run-empty)") | — | — | — | |"
    echo "| the same by default, ratio to a \`run\` that creates its database ($(vms run-new) ms), as \`verify\` creates its scratch databases | $(cell "$(vratio verify run-new)") | — | — | — | |"
    echo "| the same on one scratch database with \`--full-snapshots\` ($(vms verify-full) ms: every snapshot read in full, not only what each step changed), ratio to the \`run\` into an empty database | $(cell "$(vratio verify-full run-empty)") | — | — | — | |"
    echo "| one schema snapshot of the migrated database ($SNAPSHOT_OBJECTS objects), a new connection each time | ${SNAPSHOT_MS} ms | — | — | < 1 s | $(verdict "$SNAPSHOT_MS" "<=" 1000) |"
    o=$(fleet_ratio ours)
    echo "| \`run --schemas 'tenant_*' -j 8\` over ${FLEET_SCHEMAS:-1000} PostgreSQL schemas × 20 migrations ($(fleet_ms ours) ms), ratio to \`psql -1\` per schema 8 at a time ($(fleet_ms raw) ms): cargo-migrate commits each migration with its history row, the client once per schema | $(cell "$o") | — | — | ≤ 1.10× | $(verdict "$o" "<=" 1.10) |"
    echo "| the same by a shell loop of single \`cargo migrate run\` processes, 8 at a time, search_path and \`--table\` per schema ($(fleet_ms loop) ms), ratio to the client | $(cell "$(fleet_ratio loop)") | — | — | ours faster | $(awk -v a="$(fleet_ms ours)" -v b="$(fleet_ms loop)" 'BEGIN { print (a + 0 < b + 0) ? "met" : "**missed**" }') |"
    echo
    echo "## Processes running \`run\` at once"
    echo
    echo "Half \`cargo migrate run\`, half an application with the same 200 migrations embedded, started"
    echo "together on one database (\`tests/tests/faults/stampede.rs\`). Each migration inserts its"
    echo "version into a table whose primary key rejects a second application. Target: each migration"
    echo "applied exactly once, all exit 0. dbmate, diesel and refinery take no lock (per their source)."
    echo
    echo "| database | processes | migrations | applied in all | exits | longest process | whole stampede |"
    echo "|---|---|---|---|---|---|---|"
    cat "$LOG/stampede"
    echo
    echo "## Raw output"
    echo
    echo '```text'
    cat "$LOG/apply" "$LOG/noop" "$LOG/build" "$LOG/check" "$LOG/verify" "$LOG/fleet"
    echo "cargo migrate check (whole process), median of 11: ${CHECK_CLI} ms"
    echo '```'
} > "$OUT"
say "wrote $OUT"

#!/usr/bin/env bash
# Rebuild cost of embedding 1,000 migrations, release profile, after touching main.rs:
# cargo-migrate's embed_migrations! (with full validation, PostgreSQL dialect) against
# sqlx::migrate! on the same folder and against the same crate without a macro.
#
#   bash bench/build-time.sh [migrations] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
RUNS=${2:-3}
ROOT=$PWD
WORK=${BENCH_WORK:-$ROOT/target/bench-build}
mkdir -p "$WORK/migrations"
rm -f "$WORK/migrations"/*.sql
for i in $(seq 1 "$N"); do
    printf 'CREATE TABLE t%d (id BIGINT PRIMARY KEY, v TEXT);\nCREATE INDEX t%d_v ON t%d (v);\nALTER TABLE t%d ADD COLUMN w INT;\n' \
        "$i" "$i" "$i" "$i" > "$WORK/migrations/$(printf '%014d' "$i")_m$i.sql"
done
make_crate() { # name deps main
    mkdir -p "$WORK/$1/src"
    printf '[package]\nname = "%s"\nversion = "0.0.0"\nedition = "2024"\n\n[dependencies]\n%s\n[package.metadata.migrate]\ndialect = "postgres"\nversion-note = ""\n\n[workspace]\n' "$1" "$2" \
        | grep -v version-note > "$WORK/$1/Cargo.toml"
    printf '%s\n' "$3" > "$WORK/$1/src/main.rs"
    cp "$ROOT/Cargo.lock" "$WORK/$1/Cargo.lock"
}
make_crate empty "" 'fn main() { println!("{}", 1); }'
make_crate ours "migrate-runtime = { path = \"$ROOT/migrate-runtime\" }" \
    'static M: migrate_runtime::Migrator = migrate_runtime::embed_migrations!("../migrations", dialect = "postgres");
fn main() { println!("{}", M.migrations().len()); }'
# As `cargo migrate init` leaves it: a build.rs that tracks the folder.
printf 'fn main() {\n    println!("cargo:rerun-if-changed=../migrations");\n}\n' > "$WORK/ours/build.rs"
make_crate sqlx 'sqlx = { version = "0.9", default-features = false, features = ["macros", "migrate", "postgres", "runtime-tokio"] }' \
    'static M: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
fn main() { println!("{}", M.iter().count()); }'

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for c in empty ours sqlx; do
    (cd "$WORK/$c" && CARGO_TARGET_DIR="$WORK/target-$c" cargo build -q --release)
done
declare -A t
for c in empty ours sqlx; do
    samples=()
    for _ in $(seq 1 "$RUNS"); do
        touch "$WORK/$c/src/main.rs"
        s=$(now_ms)
        (cd "$WORK/$c" && CARGO_TARGET_DIR="$WORK/target-$c" cargo build -q --release)
        samples+=($(( $(now_ms) - s )))
    done
    t[$c]=$(printf '%s\n' "${samples[@]}" | median)
done
echo "rebuild after touching main.rs, $N migrations, release, median of $RUNS:"
for c in empty ours sqlx; do printf '  %-6s %6s ms\n' "$c" "${t[$c]}"; done
printf '  ours over the crate without a macro: +%s ms; sqlx::migrate!: +%s ms; ours minus sqlx: %+d ms (target: at most +500 ms)\n' \
    "$(( t[ours] - t[empty] ))" "$(( t[sqlx] - t[empty] ))" "$(( t[ours] - t[sqlx] ))"

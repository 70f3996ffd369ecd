#!/usr/bin/env bash
# Rebuild cost of embedding 1,000 migrations, release profile, two ways:
#   warm: after touching main.rs. No migration changed, so embed_migrations! finds its cached
#         check and only embeds; sqlx::migrate! reads the folder again.
#   cold: after one migration changed. embed_migrations! checks the whole folder again (for
#         SQLite that means executing all 1,000 migrations); sqlx::migrate! reads it again.
# cargo-migrate's macro runs with the PostgreSQL and with the SQLite dialect; the baselines are
# sqlx::migrate! on the same folder and the same crate without a macro.
#
#   bash bench/build-time.sh [migrations] [runs]
#
# Prints `warm <crate> <ms> ms` and `cold <crate> <ms> ms` lines, medians of the runs.
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
LAST="$WORK/migrations/$(printf '%014d' "$N")_m$N.sql"
ORIGINAL=$(cat "$LAST")

make_crate() { # name dependency main
    mkdir -p "$WORK/$1/src"
    printf '[package]\nname = "%s"\nversion = "0.0.0"\nedition = "2024"\n\n[dependencies]\n%s\n\n[workspace]\n' "$1" "$2" \
        > "$WORK/$1/Cargo.toml"
    printf '%s\n' "$3" > "$WORK/$1/src/main.rs"
    cp "$ROOT/Cargo.lock" "$WORK/$1/Cargo.lock"
}
make_crate empty "" 'fn main() { println!("{}", 1); }'
for dialect in postgres sqlite; do
    make_crate "ours-$dialect" "migrate-runtime = { path = \"$ROOT/migrate-runtime\", features = [\"$dialect\"] }" \
        "static M: migrate_runtime::Migrator = migrate_runtime::embed_migrations!(\"../migrations\", dialect = \"$dialect\");
fn main() { println!(\"{}\", M.migrations().len()); }"
    # As `cargo migrate init` leaves it: a build.rs that tracks the folder.
    printf 'fn main() {\n    println!("cargo:rerun-if-changed=../migrations");\n}\n' > "$WORK/ours-$dialect/build.rs"
done
make_crate sqlx 'sqlx = { version = "0.9", default-features = false, features = ["macros", "migrate", "postgres", "runtime-tokio"] }' \
    'static M: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
fn main() { println!("{}", M.iter().count()); }'

CRATES=(empty ours-postgres ours-sqlite sqlx)
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
build() { # crate
    (cd "$WORK/$1" && CARGO_TARGET_DIR="$WORK/target-$1" cargo build -q --release)
}
for c in "${CRATES[@]}"; do build "$c"; done

# One migration changed: its column gets a name never used before, so every run is a change
# that no cache has seen (embed_migrations! keys its cache by the folder's bytes: a name that
# came back would find the check of that earlier text).
edit=0
change_one() {
    edit=$((edit + 1))
    printf '%s\n' "${ORIGINAL/ADD COLUMN w INT/ADD COLUMN w_$$_$edit INT}" > "$LAST"
}

declare -A warm cold
for c in "${CRATES[@]}"; do
    w=() k=()
    for _ in $(seq 1 "$RUNS"); do
        touch "$WORK/$c/src/main.rs"
        s=$(now_ms)
        build "$c"
        w+=($(( $(now_ms) - s )))
        if [ "$c" != empty ]; then
            change_one
            # Every crate sees this edit once: build the others too, untimed, so that the next
            # crate's timed build starts from the same folder.
            s=$(now_ms)
            build "$c"
            k+=($(( $(now_ms) - s )))
            for other in "${CRATES[@]}"; do
                [ "$other" = "$c" ] || [ "$other" = empty ] || build "$other"
            done
        fi
    done
    warm[$c]=$(printf '%s\n' "${w[@]}" | median)
    [ "$c" = empty ] || cold[$c]=$(printf '%s\n' "${k[@]}" | median)
done
printf '%s\n' "$ORIGINAL" > "$LAST"

echo "rebuild, $N migrations, release, median of $RUNS:"
for c in "${CRATES[@]}"; do printf 'warm %-14s %6s ms\n' "$c" "${warm[$c]}"; done
for c in ours-postgres ours-sqlite sqlx; do printf 'cold %-14s %6s ms\n' "$c" "${cold[$c]}"; done
for d in postgres sqlite; do
    printf '  %s, warm: ours +%s ms over the crate without a macro, sqlx::migrate! +%s ms: ours minus sqlx %+d ms\n' \
        "$d" "$(( warm[ours-$d] - warm[empty] ))" "$(( warm[sqlx] - warm[empty] ))" "$(( warm[ours-$d] - warm[sqlx] ))"
    printf '  %s, cold: ours %s ms, sqlx::migrate! %s ms: ours minus sqlx %+d ms\n' \
        "$d" "${cold[ours-$d]}" "${cold[sqlx]}" "$(( cold[ours-$d] - cold[sqlx] ))"
done
echo "  (target for each: ours at most sqlx + 500 ms)"

#!/usr/bin/env bash
# Applies 1,000 generated migrations (a table, an index and a column each) on PostgreSQL,
# MariaDB and SQLite with cargo-migrate, sqlx-cli, dbmate and the raw client, side by side, and
# prints each tool's median time as a ratio to the raw client's; then the cold `cargo migrate
# check` of the same folder as a ratio to cargo-migrate's apply.
#
#   bash bench/apply.sh [migrations] [runs]        (DIALECTS="sqlite" to run one)
#
# Needs: PostgreSQL and MariaDB as in .ci/run; psql, mariadb and sqlite3; sqlx-cli
# (cargo install sqlx-cli --no-default-features --features sqlite,postgres,mysql,rustls) and
# dbmate (npm install dbmate). Missing peers are reported and skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
RUNS=${2:-3}
PG=${MIGRATE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
MY=${MIGRATE_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}
PG_SERVER=${PG%/*}
MY_SERVER=${MY%/*}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cargo build -q --release -p cargo-migrate
OURS=$PWD/target/release/cargo-migrate
SQLX=$(command -v sqlx || true)
DBMATE=$(command -v dbmate || ls "${DBMATE_DIR:-/tmp/dbmate}"/node_modules/.bin/dbmate 2>/dev/null || true)

gen() { # dialect folder
    local dialect=$1 dir=$2
    mkdir -p "$dir"
    for i in $(seq 1 "$N"); do
        local v
        v=$(printf '%014d' "$i")
        local id="BIGINT PRIMARY KEY" text="TEXT" idx="CREATE INDEX t${i}_v ON t${i} (v);"
        if [ "$dialect" = mysql ]; then text="VARCHAR(100)"; fi
        if [ "$dialect" = sqlite ]; then id="INTEGER PRIMARY KEY"; fi
        printf -- '-- migrate:up\nCREATE TABLE t%d (id %s, v %s);\n%s\nALTER TABLE t%d ADD COLUMN w INT;\n\n-- migrate:down\nDROP TABLE t%d;\n' \
            "$i" "$id" "$text" "$idx" "$i" "$i" > "$dir/${v}_m${i}.sql"
    done
    # sqlx-cli reads no sections: it gets the up SQL alone, in files of its own. The raw
    # client gets every up section, in order, in one file.
    mkdir -p "$dir-up"
    for f in "$dir"/*.sql; do
        sed -n '/-- migrate:up/,/-- migrate:down/p' "$f" | grep -v -- '-- migrate:' > "$dir-up/$(basename "$f")"
    done
    cat "$dir-up"/*.sql > "$WORK/$dialect-all.sql"
}

now_ms() { date +%s%3N; }

fresh() { # dialect name
    case $1 in
        postgres) psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS $2 WITH (FORCE)" -c "CREATE DATABASE $2" >/dev/null ;;
        mysql) mariadb -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS $2; CREATE DATABASE $2" ;;
        sqlite) rm -f "$WORK/$2.db" ;;
    esac
}

url() { # dialect name
    case $1 in
        postgres) echo "$PG_SERVER/$2" ;;
        mysql) echo "$MY_SERVER/$2" ;;
        sqlite) echo "sqlite://$WORK/$2.db" ;;
    esac
}

apply() { # tool dialect name dir
    local tool=$1 dialect=$2 name=$3 dir=$4 u
    u=$(url "$dialect" "$name")
    case $tool in
        raw)
            case $dialect in
                postgres) psql -q -1 -v ON_ERROR_STOP=1 -f "$WORK/postgres-all.sql" "$u" >/dev/null ;;
                mysql) mariadb -h 127.0.0.1 -u root "$name" < "$WORK/mysql-all.sql" ;;
                sqlite) { echo "BEGIN;"; cat "$WORK/sqlite-all.sql"; echo "COMMIT;"; } | sqlite3 "$WORK/$name.db" ;;
            esac ;;
        ours) "$OURS" migrate --dir "$dir" --database-url "$u" -q run >/dev/null ;;
        sqlx) if [ "$dialect" = sqlite ]; then touch "$WORK/$name.db"; fi
              "$SQLX" migrate run --source "$dir-up" --database-url "$u" >/dev/null ;;
        dbmate) DATABASE_URL=$(echo "$u" | sed 's#^postgres://\(.*\)$#postgres://\1?sslmode=disable#; s#^mysql://root@#mysql://root:@#; s#^sqlite://#sqlite:#') \
                "$DBMATE" --migrations-dir "$dir" --no-dump-schema up >/dev/null ;;
    esac
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "$N migrations, median of $RUNS runs, each on a fresh database"
for dialect in ${DIALECTS:-postgres sqlite mysql}; do
    dir=$WORK/$dialect
    gen "$dialect" "$dir"
    declare -A times=() samples=()
    tools=(raw ours)
    if [ -n "$SQLX" ]; then tools+=(sqlx); else echo "  sqlx-cli not installed: skipped"; fi
    if [ -n "$DBMATE" ]; then tools+=(dbmate); else echo "  dbmate not installed: skipped"; fi
    # Round by round, every tool once per round, so that the server's background work (a
    # dropped database's files, a checkpoint) falls on all of them alike.
    for r in $(seq 1 "$RUNS"); do
        for tool in "${tools[@]}"; do
            name=bench_${tool}_$r
            fresh "$dialect" "$name"
            start=$(now_ms)
            apply "$tool" "$dialect" "$name" "$dir"
            samples[$tool]="${samples[$tool]:-} $(( $(now_ms) - start ))"
            fresh "$dialect" "$name"
            [ "$dialect" = sqlite ] && rm -f "$WORK/$name.db"
        done
    done
    for tool in "${tools[@]}"; do
        # shellcheck disable=SC2086
        times[$tool]=$(printf '%s\n' ${samples[$tool]} | median)
    done
    raw=${times[raw]}
    for tool in raw ours sqlx dbmate; do
        [ -n "${times[$tool]:-}" ] || continue
        ratio=$(awk -v t="${times[$tool]}" -v r="$raw" 'BEGIN {printf "%.2f", t / r}')
        printf '%-9s %-7s %7s ms  %s×\n' "$dialect" "$tool" "${times[$tool]}" "$ratio"
    done
    # The cold check of the same folder (what a build without a cached check costs), as a
    # ratio to cargo-migrate's own apply of it. A finding at deny level fails the bench.
    checks=()
    for _ in $(seq 1 "$RUNS"); do
        start=$(now_ms)
        "$OURS" migrate --dir "$dir" --dialect "$dialect" -q check >/dev/null
        checks+=($(( $(now_ms) - start )))
    done
    check=$(printf '%s\n' "${checks[@]}" | median)
    ratio=$(awk -v t="$check" -v r="${times[ours]}" 'BEGIN {printf "%.2f", t / r}')
    printf '%-9s %-7s %7s ms  %s×\n' "$dialect" check "$check" "$ratio"
    unset times samples
done

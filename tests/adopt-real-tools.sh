#!/usr/bin/env bash
# `cargo migrate adopt` against the real tools: sqlx-cli, dbmate and diesel_cli each apply the
# first migrations of a folder (tests/fixtures/layouts, and real projects' folders from
# tests/corpus) to a fresh database; `adopt` records exactly those; a second `adopt` records
# nothing; `cargo migrate run` applies the rest; nothing is left pending, and in the fixtures
# the seed row exists once. On PostgreSQL, MariaDB and SQLite.
#
# Installing the tools takes minutes on two cores, so this runs by hand, not in CI (the suite's
# tests/tests/runtime/adopt.rs builds each tool's table from its source instead):
#
#   bash tests/adopt-real-tools.sh
#
# Needs the two test URLs (or the defaults below), apt for the client libraries diesel_cli links,
# and cargo and npm to install the tools. Prints one line per case and a summary table.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
PG="${MIGRATE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
MY="${MIGRATE_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}"
tools="$root/target/adopt-tools"
mkdir -p "$tools"

# The tools, installed where missing.
SQLX=$(command -v sqlx || true)
if [ -z "$SQLX" ]; then
    cargo install --root "$tools" sqlx-cli --no-default-features --features sqlite,postgres,mysql,rustls
    SQLX="$tools/bin/sqlx"
fi
DBMATE="$tools/node_modules/.bin/dbmate"
if [ ! -x "$DBMATE" ]; then
    npm install --silent --prefix "$tools" dbmate
fi
DIESEL=$(command -v diesel || true)
if [ -z "$DIESEL" ]; then
    if ! dpkg -s libpq-dev default-libmysqlclient-dev >/dev/null 2>&1; then
        apt-get install -y libpq-dev default-libmysqlclient-dev
    fi
    cargo install --root "$tools" diesel_cli --no-default-features --features postgres,mysql,sqlite-bundled
    DIESEL="$tools/bin/diesel"
fi
cargo build -p cargo-migrate
M="$root/target/debug/cargo-migrate"
echo "sqlx: $("$SQLX" --version)  dbmate: $("$DBMATE" --version)  diesel: $("$DIESEL" --version | tr -s "\n" " ")"

# A URL on the server of `base` for database `name`.
on_server() { printf '%s/%s' "${1%/*}" "$2"; }

results=()
failures=0

# case TOOL DIALECT FOLDER FIRST [users]: the tool applies the first FIRST migrations of
# FOLDER; with `users`, the folder seeds one row in `users`, which must exist once at the end.
case_() {
    local tool=$1 dialect=$2 folder=$3 first=$4 seeds=${5:-}
    local work db url tool_url
    work=$(mktemp -d)
    db="adopt_${tool//-/_}_$$_$RANDOM"
    cp -r "$folder" "$work/full"
    mkdir "$work/half"
    # The first FIRST versions, in version order: the name's leading version with diesel's
    # dashes removed, as each of these tools orders them.
    for version in $(find "$work/full" -mindepth 1 -maxdepth 1 ! -name '*.toml' ! -name '.*' -printf '%f\n' |
        sed 's/_.*//' | sort -u | awk '{ key = $0; gsub("-", "", key); print key, $0 }' |
        sort | head -n "$first" | cut -d' ' -f2); do
        cp -r "$work/full/${version}"_* "$work/half/"
    done
    case $dialect in
        postgres) url=$(on_server "$PG" "$db"); tool_url=$url ;;
        mysql) url=$(on_server "$MY" "$db"); tool_url=$url ;;
        sqlite) url="sqlite://$work/db.sqlite"; tool_url=$url; touch "$work/db.sqlite" ;;
    esac
    "$M" migrate --dir "$work/full" --database-url "$url" database create >/dev/null
    local ok=yes log="$work/log"
    {
        case $tool in
            sqlx) DATABASE_URL=$tool_url "$SQLX" migrate run --source "$work/half" ;;
            dbmate)
                if [ "$dialect" = sqlite ]; then tool_url="sqlite:$work/db.sqlite"; fi
                "$DBMATE" --url "$tool_url" --migrations-dir "$work/half" --no-dump-schema up ;;
            diesel)
                if [ "$dialect" = sqlite ]; then tool_url="$work/db.sqlite"; fi
                "$DIESEL" migration run --migration-dir "$work/half" --database-url "$tool_url" ;;
        esac &&
        "$M" migrate --dir "$work/full" --database-url "$url" adopt --from "$tool" >"$work/first" &&
        cat "$work/first" &&
        # Exactly the versions the tool applied.
        grep -q "recorded $first of the $first migration" "$work/first" &&
        "$M" migrate --dir "$work/full" --database-url "$url" adopt --from "$tool" >"$work/second" &&
        cat "$work/second" &&
        grep -q "nothing to record" "$work/second" &&
        "$M" migrate --dir "$work/full" --database-url "$url" run &&
        # Nothing pending (exit 4 would say otherwise).
        "$M" migrate --dir "$work/full" --database-url "$url" status --exit-code
    } >"$log" 2>&1 || ok=no
    local users="-"
    if [ -n "$seeds" ]; then
        case $dialect in
            postgres) users=$(psql "$url" -tAc "SELECT count(*) FROM users" 2>>"$log" || true) ;;
            mysql) users=$(mariadb -h 127.0.0.1 -u root -N -e "SELECT count(*) FROM users" "$db" 2>>"$log" || true) ;;
            sqlite) users=$(sqlite3 "$work/db.sqlite" "SELECT count(*) FROM users" 2>>"$log" || true) ;;
        esac
        [ "$users" = 1 ] || ok=no
    fi
    local total
    total=$(find "$work/full" -mindepth 1 -maxdepth 1 ! -name '*.toml' ! -name '.*' -printf '%f\n' | sed 's/_.*//' | sort -u | wc -l)
    if [ "$ok" = no ]; then
        failures=$((failures + 1))
        echo "FAILED: $tool on $dialect, $folder; log:"
        cat "$log"
    else
        echo "ok: $tool on $dialect, $folder (tool applied $first of $total, cargo migrate the rest)"
    fi
    results+=("| $tool | $dialect | \`${folder#tests/}\` | $first of $total | $users | $ok |")
    "$M" migrate --dir "$work/full" --database-url "$url" database drop >/dev/null 2>&1 || true
    rm -rf "$work"
}

layouts=tests/fixtures/layouts
for dialect in postgres mysql sqlite; do
    case_ sqlx "$dialect" $layouts/sqlx 1 users
    case_ dbmate "$dialect" $layouts/dbmate 2 users
    # diesel_cli on PostgreSQL refuses the folder's comment-only up.sql ("Received an empty
    # query"; MySQL and SQLite accept it): there it applies only the first migration.
    if [ "$dialect" = postgres ]; then
        case_ diesel "$dialect" $layouts/diesel 1 users
    else
        case_ diesel "$dialect" $layouts/diesel 2 users
    fi
done
# Real projects' folders (tests/corpus), applied part-way by their own tool.
corpus=tests/corpus
case_ diesel postgres $corpus/rust-lang__crates-io/migrations 150
case_ sqlx postgres $corpus/rust-lang__docs-rs/crates/lib/docs_rs_database/migrations 16
case_ sqlx postgres $corpus/atuinsh__atuin/crates/atuin-server-postgres/migrations 10
case_ sqlx sqlite $corpus/atuinsh__atuin/crates/atuin-client/migrations 8

printf '\n| tool | database | folder | applied by the tool | `users` rows after run | passed |\n|---|---|---|---|---|---|\n'
printf '%s\n' "${results[@]}"
exit "$failures"

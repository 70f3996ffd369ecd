#!/usr/bin/env bash
# The heavy fault harness (issue: proof under load, faults and bad input): 32-process stampedes,
# 50 SIGKILL trials per database, real server restarts, bad input and the password search.
# It restarts the local PostgreSQL and MariaDB, so run it alone, not beside other tests.
#
#   bash tests/reliability.sh
#
# Needs the two test URLs (or the defaults below) and root for the tmpfs of the full-disk case.
# The tables land in target/tmp/reliability/*.md, for docs/RELIABILITY.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export MIGRATE_TEST_POSTGRES_URL="${MIGRATE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
export MIGRATE_TEST_MYSQL_URL="${MIGRATE_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}"
cargo build -p cargo-migrate
rm -rf target/tmp/reliability
# The light cases (bad input among them) and then the heavy ones, one at a time.
cargo test -p migrate-tests --test faults -- --include-ignored --test-threads=1
for table in target/tmp/reliability/*.md; do
    printf '\n## %s\n\n' "$(basename "$table" .md)"
    cat "$table"
done

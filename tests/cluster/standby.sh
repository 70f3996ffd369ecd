#!/usr/bin/env bash
# A PostgreSQL primary and its streaming standby, both throwaway, on two ports of 127.0.0.1,
# from Debian's PostgreSQL binaries, run as the `postgres` user (initdb refuses root).
#
#   bash tests/cluster/standby.sh start PRIMARY_PORT STANDBY_PORT DIR   prints the two URLs
#   bash tests/cluster/standby.sh stop DIR
#
# The standby is made with `pg_basebackup -R` (streaming replication, hot_standby on). Exit 3
# when this machine cannot run it (no binaries, no `postgres` user): the tests then skip.
set -euo pipefail
cmd=${1:?start or stop}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || ! id postgres >/dev/null 2>&1; then
    echo "no PostgreSQL server binaries or no postgres user here" >&2
    exit 3
fi
as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case $cmd in
start)
    primary_port=${2:?primary port}
    standby_port=${3:?standby port}
    dir=${4:?folder}
    mkdir -p "$dir"
    chown postgres "$dir" 2>/dev/null || true
    as_postgres "$bin/initdb" -D "$dir/primary" -U postgres --auth=trust >"$dir/initdb.log" 2>&1
    {
        echo "listen_addresses = '127.0.0.1'"
        echo "port = $primary_port"
        echo "unix_socket_directories = '$dir'"
        echo "wal_level = replica"
        echo "max_wal_senders = 4"
        echo "fsync = off"
    } >>"$dir/primary/postgresql.conf"
    echo "host replication all 127.0.0.1/32 trust" >>"$dir/primary/pg_hba.conf"
    as_postgres "$bin/pg_ctl" -D "$dir/primary" -l "$dir/primary.log" -w start >/dev/null
    as_postgres "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$dir/standby" -R -X stream >/dev/null
    {
        echo "port = $standby_port"
        echo "hot_standby = on"
    } >>"$dir/standby/postgresql.conf"
    as_postgres "$bin/pg_ctl" -D "$dir/standby" -l "$dir/standby.log" -w start >/dev/null
    echo "postgres://postgres@127.0.0.1:$primary_port/postgres"
    echo "postgres://postgres@127.0.0.1:$standby_port/postgres"
    ;;
stop)
    dir=${2:?folder}
    for node in standby primary; do
        [ -d "$dir/$node" ] && as_postgres "$bin/pg_ctl" -D "$dir/$node" -m immediate stop >/dev/null 2>&1 || true
    done
    rm -rf "$dir"
    ;;
*)
    echo "usage: standby.sh start PRIMARY_PORT STANDBY_PORT DIR | stop DIR" >&2
    exit 2
    ;;
esac

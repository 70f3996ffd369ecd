#!/usr/bin/env bash
# A throwaway PgBouncer in transaction pooling mode on one port of 127.0.0.1, in front of the
# PostgreSQL already listening on 127.0.0.1:5432 (trust auth), from Debian's pgbouncer package,
# run as the `postgres` user (pgbouncer refuses root) with its config, log and pid file in DIR.
#
#   bash tests/cluster/pgbouncer.sh start PORT DIR   prints postgres://postgres@127.0.0.1:PORT/
#                                                    (append a database name: any passes through)
#   bash tests/cluster/pgbouncer.sh stop DIR
#
# pool_mode = transaction with default_pool_size = 4, so clients share server connections and a
# session-level SET or a named prepared statement does not stick past its transaction.
# `extra_float_digits`, `options` and `search_path` in the startup packet are ignored (sqlx sends
# extra_float_digits). PGBOUNCER_UPSTREAM_HOST / PGBOUNCER_UPSTREAM_PORT choose the server
# (default 127.0.0.1:5432); `start` waits for a `select 1` on database `test` through the pooler
# (PGBOUNCER_TIMEOUT seconds, default 20), else stops it and exits 1. Nothing is installed: exit 3
# when this machine cannot run it (no pgbouncer, no psql): the tests then skip.
set -euo pipefail
cmd=${1:?start or stop}
pgbouncer=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
if [ ! -x "$pgbouncer" ] || ! command -v psql >/dev/null; then
    echo "no pgbouncer or psql here (Debian packages: pgbouncer, postgresql-client)" >&2
    exit 3
fi
user=$(id -un)
if [ "$(id -u)" = 0 ]; then
    if id postgres >/dev/null 2>&1; then user=postgres; else user=nobody; fi
fi
as_user() {
    if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

# Whether process $2 is a pgbouncer reading DIR's config.
ours() {
    local dir=$1 args
    mapfile -d '' -t args 2>/dev/null <"/proc/$2/cmdline" || return 1
    [ "${#args[@]}" -gt 0 ] && [ "${args[0]##*/}" = pgbouncer ] && [[ " ${args[*]} " == *" $dir/pgbouncer.ini "* ]]
}

# The pgbouncer started for DIR: the pid in its pid file, else any pgbouncer reading its config.
bouncer_pids() {
    local dir=$1 p
    p=$(cat "$dir/pgbouncer.pid" 2>/dev/null || true)
    if [ -n "$p" ] && ours "$dir" "$p"; then
        echo "$p"
        return 0
    fi
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        ours "$dir" "$p" && echo "$p"
    done
    return 0
}

stop_dir() {
    local dir=$1 pids i
    [ -d "$dir" ] || return 0
    pids=$(bouncer_pids "$dir" | sort -u)
    if [ -n "$pids" ]; then
        # SIGTERM is PgBouncer's immediate shutdown (SIGINT would wait for open transactions).
        kill -TERM $pids 2>/dev/null || true
        for i in $(seq 25); do
            pids=$(bouncer_pids "$dir" | sort -u)
            [ -z "$pids" ] && break
            sleep 0.2
        done
        [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
    fi
    rm -rf "$dir"
}

case $cmd in
start)
    port=${2:?port}
    dir=${3:?folder}
    dir=$(realpath -m -- "$dir")
    upstream_host=${PGBOUNCER_UPSTREAM_HOST:-127.0.0.1}
    upstream_port=${PGBOUNCER_UPSTREAM_PORT:-5432}
    deadline=$((SECONDS + ${PGBOUNCER_TIMEOUT:-20}))
    [ -e "$dir" ] && stop_dir "$dir"
    mkdir -p "$dir"
    trap 'stop_dir "$dir"' EXIT
    trap 'exit 1' INT TERM HUP
    fail() {
        echo "pgbouncer.sh: $*" >&2
        [ -f "$dir/pgbouncer.log" ] && tail -n 10 "$dir/pgbouncer.log" >&2
        exit 1
    }
    [[ $port =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || fail "not a port: $port"
    if command -v ss >/dev/null && [ -n "$(ss -Htln "sport = :$port" 2>/dev/null)" ]; then
        fail "port $port is already in use on this machine"
    fi
    cat >"$dir/pgbouncer.ini" <<EOF
[databases]
* = host=$upstream_host port=$upstream_port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
syslog = 0
auth_type = trust
auth_file = $dir/userlist.txt
admin_users = postgres
stats_users = postgres
pool_mode = transaction
server_reset_query =
max_client_conn = 500
default_pool_size = 4
ignore_startup_parameters = extra_float_digits,options,search_path
server_login_retry = 1
EOF
    echo '"postgres" ""' >"$dir/userlist.txt"
    chown -R "$user" "$dir"
    chmod 755 "$dir"
    if ! as_user test -w "$dir"; then
        fail "the $user user cannot write to $dir (is a parent folder closed to it?)"
    fi
    # -d: pgbouncer forks into the background and writes its pid file; its output goes to the log,
    # never to our stdout (a caller reading it to EOF would wait forever).
    as_user "$pgbouncer" -d "$dir/pgbouncer.ini" </dev/null >>"$dir/console.log" 2>&1 \
        || { cat "$dir/console.log" >&2; fail "pgbouncer did not start"; }
    url="postgres://postgres@127.0.0.1:$port/"
    until out=$(PGCONNECT_TIMEOUT=2 psql "${url}test" -X -A -t -q -c 'select 1' 2>&1) && [ "$out" = 1 ]; do
        [ -n "$(bouncer_pids "$dir")" ] || fail "pgbouncer exited during start: $out"
        [ "$SECONDS" -lt "$deadline" ] \
            || fail "timed out after ${PGBOUNCER_TIMEOUT:-20} s waiting for select 1 through pgbouncer: $out"
        sleep 0.2
    done
    trap - EXIT INT TERM HUP
    echo "$url"
    ;;
stop)
    dir=${2:?folder}
    stop_dir "$(realpath -m -- "$dir")"
    ;;
*)
    echo "usage: pgbouncer.sh start PORT DIR | stop DIR" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# A throwaway three-node MariaDB Galera cluster on three ports of 127.0.0.1, from Debian's
# mariadb-server and galera-4 packages, every node run as the `mysql` user (rsync SST fails as
# root) with its datadir, config, socket, pid file and log under DIR/node1..node3.
#
#   bash tests/cluster/galera.sh start PORT1 PORT2 PORT3 DIR   prints the three URLs
#   bash tests/cluster/galera.sh stop DIR
#
# Node 1 bootstraps (--wsrep-new-cluster) and gets `root`@`127.0.0.1` (no password) and the
# database `test`; nodes 2 and 3 join it by rsync SST. Galera's own ports (group port, IST and
# SST receive ports: three per node) are asked of the OS (free at the time), never derived from
# PORTn, so clusters started in parallel do not collide. `start` prints the URLs only once the
# cluster size is 3 and every node is Synced; after GALERA_TIMEOUT seconds (default 90) it stops
# what it started and exits 1. `stop` works on a half-started DIR too, then removes DIR. DIR
# must be reachable by the `mysql` user (e.g. under /tmp) and short (sockets live in it). Exit 3
# when this machine cannot run it (no mariadbd, mariadb-install-db, mariadb client, rsync or Galera
# library, no `mysql` user): the tests then skip.
set -euo pipefail
cmd=${1:?start or stop}
provider=/usr/lib/galera/libgalera_smm.so
mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
if [ ! -x "$mariadbd" ] || ! command -v mariadb-install-db >/dev/null || ! command -v mariadb >/dev/null \
    || [ ! -e "$provider" ] || ! command -v rsync >/dev/null || ! id mysql >/dev/null 2>&1; then
    echo "no mariadbd, mariadb-install-db, mariadb client, rsync or $provider, or no mysql user here" \
        "(Debian: mariadb-server galera-4 rsync)" >&2
    exit 3
fi

# The pids of every process working for the nodes under DIR: each mariadbd and its SST helpers
# (wsrep_sst_rsync, the rsync daemon), which name a node's folder on their command line, and
# whatever these started.
dir_pids() {
    local dir=$1 p args stat ppid more=1
    local -A parent=() ours=()
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        read -r stat 2>/dev/null <"/proc/$p/stat" || continue
        stat=${stat##*) }
        [ "${stat%% *}" = Z ] && continue # exited, only waiting to be reaped
        ppid=${stat#* }
        parent[$p]=${ppid%% *}
        mapfile -d '' -t args 2>/dev/null <"/proc/$p/cmdline" || continue
        [[ " ${args[*]} " == *"$dir/node"[123]/* ]] && ours[$p]=1
    done
    # Never this script nor its callers, whatever their command line says.
    p=$$
    while [ -n "$p" ] && [ "$p" != 0 ]; do
        unset "ours[$p]"
        p=${parent[$p]:-}
    done
    while [ "$more" = 1 ]; do
        more=0
        for p in "${!parent[@]}"; do
            if [ -z "${ours[$p]:-}" ] && [ -n "${ours[${parent[$p]}]:-}" ]; then
                ours[$p]=1
                more=1
            fi
        done
    done
    for p in "${!ours[@]}"; do
        [ -d "/proc/$p" ] && echo "$p"
    done
    return 0
}

# Shut the nodes down (mariadb-admin, or SIGTERM to a node that has no socket yet), SIGKILL
# whatever is left after about 3 s (harmless: the data is thrown away), then remove DIR. Works on
# a half-started DIR too.
stop_dir() {
    local dir=$1 node pid pids admins=() i
    [ -d "$dir" ] || return 0
    for node in "$dir"/node1 "$dir"/node2 "$dir"/node3; do
        if [ -S "$node/s.sock" ]; then
            # Run from the node's folder, so that their command lines do not name it (dir_pids).
            # A short evs.suspect_timeout lets nodes leaving together stop waiting for each other
            # sooner; mariadb-admin waits at most 3 s for the server to go.
            (
                cd "$node" || exit
                mariadb --no-defaults --socket=s.sock -uroot --connect-timeout=2 \
                    -e "SET GLOBAL wsrep_provider_options = 'evs.suspect_timeout=PT1S'" || true
                exec mariadb-admin --no-defaults --socket=s.sock -uroot --connect-timeout=2 \
                    --shutdown-timeout=3 shutdown
            ) </dev/null >/dev/null 2>&1 &
            admins+=($!)
        else
            # No socket (yet): SIGTERM, if the pid recorded at launch is still that mariadbd.
            pid=$(cat "$node/launch.pid" 2>/dev/null || true)
            if [ -n "$pid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$node/my.cnf"; then
                kill -TERM "$pid" 2>/dev/null || true
            fi
        fi
    done
    for i in $(seq 15); do
        pids=$(dir_pids "$dir")
        [ -z "$pids" ] && break
        sleep 0.2
    done
    if [ -n "$pids" ]; then
        kill -KILL $pids 2>/dev/null || true
        for i in $(seq 10); do
            [ -z "$(dir_pids "$dir")" ] && break
            sleep 0.2
        done
    fi
    # By now the servers are gone; a mariadb-admin still waiting for a SIGKILLed one's pid file
    # has nothing left to wait for.
    if [ "${#admins[@]}" != 0 ]; then
        kill -TERM "${admins[@]}" 2>/dev/null || true
        wait "${admins[@]}" 2>/dev/null || true
    fi
    rm -rf "$dir"
}

# N ports free on 127.0.0.1 right now, distinct from each other and from the arguments.
free_ports() {
    local n=$1
    shift
    if command -v python3 >/dev/null && python3 - "$n" "$@" 2>/dev/null <<'EOF'
import socket, sys
n, avoid = int(sys.argv[1]), set(sys.argv[2:])
held = []
while len(held) < n:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    if str(s.getsockname()[1]) in avoid:
        continue
    held.append(s)
print("\n".join(str(s.getsockname()[1]) for s in held))
EOF
    then
        return 0
    else # no python3: pick at random among the ports nobody holds now
        local used p got=""
        used=" $* $(ss -Htan 2>/dev/null | awk '{n=split($4,a,":"); printf "%s ", a[n]}') "
        while [ "$(wc -w <<<"$got")" -lt "$n" ]; do
            p=$((20000 + RANDOM % 12000))
            case "$used $got " in *" $p "*) continue ;; esac
            got="$got $p"
        done
        tr ' ' '\n' <<<"${got# }"
    fi
}

sql() { # node, statement: one tab-separated result, no headers
    mariadb --no-defaults --socket="$1/s.sock" -uroot --connect-timeout=2 -N -B -e "$2" 2>/dev/null
}

status() { # node, variable
    sql "$1" "SHOW STATUS LIKE '$2'" | cut -f2
}

case $cmd in
start)
    ports=("${2:?port 1}" "${3:?port 2}" "${4:?port 3}")
    dir=${5:?folder}
    dir=$(realpath -m -- "$dir")
    deadline=$((SECONDS + ${GALERA_TIMEOUT:-90}))
    if [ "${#dir}" -gt 90 ]; then
        echo "galera.sh: $dir is too long a path for the nodes' unix sockets" >&2
        exit 1
    fi
    [ -e "$dir" ] && stop_dir "$dir"
    mkdir -p "$dir"
    trap 'stop_dir "$dir"' EXIT
    trap 'exit 1' INT TERM HUP
    fail() {
        echo "galera.sh: $*" >&2
        for n in 1 2 3; do
            [ -f "$dir/node$n/error.log" ] && { echo "--- node$n/error.log (tail)" >&2; tail -n 15 "$dir/node$n/error.log" >&2; }
        done
        exit 1
    }
    for p in "${ports[@]}"; do
        [[ $p =~ ^[0-9]+$ ]] && [ "$p" -ge 1 ] && [ "$p" -le 65535 ] || fail "not a port: $p"
        if command -v ss >/dev/null && [ -n "$(ss -Htln "sport = :$p" 2>/dev/null)" ]; then
            fail "port $p is already in use on this machine"
        fi
    done
    mapfile -t g < <(free_ports 9 "${ports[@]}")
    [ "${#g[@]}" = 9 ] || fail "could not find free ports for Galera"
    cluster="gcomm://127.0.0.1:${g[0]},127.0.0.1:${g[1]},127.0.0.1:${g[2]}"
    # Galera refuses a group name over 32 characters: a short hash of DIR and the pid.
    name="g$(printf '%s' "$dir" | md5sum | cut -c1-12)_$$"
    for n in 1 2 3; do
        node=$dir/node$n
        mkdir -p "$node/data"
        cat >"$node/my.cnf" <<EOF
[mysqld]
user = mysql
datadir = $node/data
socket = $node/s.sock
pid-file = $node/mariadbd.pid
log-error = $node/error.log
port = ${ports[n - 1]}
bind-address = 127.0.0.1
skip-name-resolve
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
default_storage_engine = InnoDB
binlog_format = ROW
sync_binlog = 0
innodb_autoinc_lock_mode = 2
innodb_buffer_pool_size = 32M
innodb_log_file_size = 16M
innodb_log_buffer_size = 4M
innodb_flush_log_at_trx_commit = 0
innodb_doublewrite = 0
innodb_use_native_aio = 0
innodb_temp_data_file_path = ibtmp1:1M:autoextend
innodb_buffer_pool_dump_at_shutdown = 0
innodb_buffer_pool_load_at_startup = 0
performance_schema = OFF
max_connections = 200
wsrep_on = ON
wsrep_provider = $provider
wsrep_cluster_name = $name
wsrep_cluster_address = $cluster
wsrep_node_name = node$n
wsrep_node_address = 127.0.0.1
wsrep_node_incoming_address = 127.0.0.1:${ports[n - 1]}
wsrep_sst_method = rsync
wsrep_sst_receive_address = 127.0.0.1:${g[n + 5]}
wsrep_provider_options = "base_host=127.0.0.1;base_port=${g[n - 1]};gmcast.listen_addr=tcp://127.0.0.1:${g[n - 1]};ist.recv_addr=127.0.0.1:${g[n + 2]};gcache.size=16M;gcache.page_size=16M;gcs.fc_limit=64"
EOF
    done
    chown -R mysql: "$dir"
    chmod 755 "$dir"
    if ! runuser -u mysql -- test -w "$dir/node1/data"; then
        fail "the mysql user cannot write to $dir (is a parent folder closed to it?)"
    fi
    mariadb-install-db --no-defaults --user=mysql --datadir="$dir/node1/data" \
        --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
        --innodb-log-file-size=16M --innodb-buffer-pool-size=32M --innodb-use-native-aio=0 \
        --performance-schema=OFF >"$dir/install-db.log" 2>&1 \
        || { cat "$dir/install-db.log" >&2; fail "mariadb-install-db failed"; }

    launch() { # node number, extra options
        local n=$1
        shift
        # Detached from our stdout/stderr: a caller reading them to EOF would wait forever.
        "$mariadbd" --defaults-file="$dir/node$n/my.cnf" "$@" </dev/null >>"$dir/node$n/console.log" 2>&1 &
        echo $! >"$dir/node$n/launch.pid"
    }
    synced() { # node number
        local node=$dir/node$1
        kill -0 "$(cat "$node/launch.pid")" 2>/dev/null || fail "node$1 (mariadbd) exited during start"
        [ "$(status "$node" wsrep_local_state_comment)" = Synced ]
    }
    wait_for() { # description, command...
        local what=$1
        shift
        until "$@"; do
            [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${GALERA_TIMEOUT:-90} s waiting for $what"
            sleep 0.3
        done
    }

    launch 1 --wsrep-new-cluster
    wait_for "node1 to bootstrap" synced 1
    sql "$dir/node1" "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
        GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
        CREATE DATABASE IF NOT EXISTS test;" || fail "could not create root@127.0.0.1 and test on node1"
    # One joiner at a time: a donor serves one rsync SST at once.
    launch 2
    wait_for "node2 to join" synced 2
    launch 3
    wait_for "node3 to join" synced 3
    size_is_3() {
        local n
        for n in 1 2 3; do
            synced "$n" && [ "$(status "$dir/node$n" wsrep_cluster_size)" = 3 ] || return 1
        done
    }
    wait_for "a cluster of 3 Synced nodes" size_is_3
    for n in 1 2 3; do
        mariadb --no-defaults -h 127.0.0.1 -P "${ports[n - 1]}" -uroot -N -B -e 'SELECT 1 FROM DUAL' test >/dev/null 2>&1 \
            || fail "node$n does not take root@127.0.0.1 on port ${ports[n - 1]} with database test"
    done
    trap - EXIT INT TERM HUP
    for p in "${ports[@]}"; do
        echo "mysql://root@127.0.0.1:$p/test"
    done
    ;;
stop)
    dir=${2:?folder}
    stop_dir "$(realpath -m -- "$dir")"
    ;;
*)
    echo "usage: galera.sh start PORT1 PORT2 PORT3 DIR | stop DIR" >&2
    exit 2
    ;;
esac

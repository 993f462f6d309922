#!/usr/bin/env bash
# A PostgreSQL server for the cmc hub's quick start and its tests: installs
# Debian's postgresql when missing, makes a cluster of its own in $CMC_PG_DIR
# (the machine's own clusters are left alone), starts it with pg_ctl as the
# postgres user on 127.0.0.1:$CMC_PG_PORT, creates a login role and database
# for cmc, and writes the connection URL to $CMC_PG_DIR/url (the tests read it
# there) and prints it. Idempotent: a second run only checks. Run as root.
#   CMC_PG_DIR   cluster folder (default /var/lib/cmc-postgres)
#   CMC_PG_PORT  port (default 55432)
#   CMC_PG_SHARED_BUFFERS  PostgreSQL's cache (default 1GB: a hub's queries read many rows)
set -euo pipefail

. "$(dirname "$0")/lib.sh"

dir=${CMC_PG_DIR:-/var/lib/cmc-postgres}
port=${CMC_PG_PORT:-55432}
data=$dir/data
sockets=$dir/run
role=cmc
password=cmc-local # reachable only from 127.0.0.1, by this machine's users
db=cmc
url="postgres://$role:$password@127.0.0.1:$port/$db"

if ! is_root; then
  log "run this script as root: sudo bash $0"
  exit 1
fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  apt_install postgresql
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
as_postgres() { runuser -u postgres -- "$@"; }

mkdir -p "$dir" "$sockets"
chown postgres:postgres "$dir" "$sockets"
if [ ! -f "$data/PG_VERSION" ]; then
  log "making a PostgreSQL cluster in $data"
  as_postgres "$bindir/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
fi

pg_up() { as_postgres "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; }
if ! pg_up; then
  log "starting PostgreSQL on 127.0.0.1:$port"
  as_postgres "$bindir/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$sockets -c max_connections=300 -c shared_buffers=${CMC_PG_SHARED_BUFFERS:-1GB}" start >/dev/null
fi

psql_admin() { as_postgres psql -h "$sockets" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(psql_admin -c "select 1 from pg_roles where rolname = '$role'")" != 1 ]; then
  log "creating role $role"
  # CREATEDB: the tests make a database of their own for each file
  psql_admin -c "create role $role login createdb password '$password'"
fi
if [ "$(psql_admin -c "select 1 from pg_database where datname = '$db'")" != 1 ]; then
  log "creating database $db"
  psql_admin -c "create database $db owner $role"
fi

printf '%s\n' "$url" >"$dir/url"
chmod 0644 "$dir/url"
echo "$url"

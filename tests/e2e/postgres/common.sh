# Shared by the PostgreSQL cases: a real server of Debian's postgresql,
# initdb'd into a temporary folder, listening on a free loopback port and a
# socket there, and stopped (its folder removed) when the case ends, also
# when it fails. PostgreSQL refuses to run as root: as root it runs as the
# `postgres` user the package creates.
#   start_postgres   sets PGURI (postgres://sluice@127.0.0.1:PORT/postgres)
#   psql_run SQL...  runs SQL through psql, stopping at the first error
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$pg_bin/initdb" ] || { echo "postgres: Debian's postgresql is not installed (scripts/install-deps)"; exit 1; }
as_server() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
stop_postgres() {
  [ -n "${pg_dir:-}" ] || return 0
  as_server "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
start_postgres() {
  pg_dir="$(mktemp -d /tmp/sluice-pg.XXXXXX)"
  trap stop_postgres EXIT
  chmod 755 "$pg_dir"
  [ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
  as_server "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U sluice -E UTF8 --no-sync >/dev/null
  local port
  port="$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  as_server "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -t 60 \
    -o "-k $pg_dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  PGURI="postgres://sluice@127.0.0.1:$port/postgres"
}
psql_run() { psql "$PGURI" -X -q -v ON_ERROR_STOP=1 "$@"; }
# The demo trips' columns, typed as a warehouse holds them.
create_trips_table() {
  psql_run -c "CREATE TABLE $1 (\"VendorID\" integer, tpep_pickup_datetime timestamp, tpep_dropoff_datetime timestamp,
    passenger_count smallint, trip_distance double precision, pickup_longitude double precision,
    pickup_latitude double precision, \"RatecodeID\" integer, store_and_fwd_flag char(1),
    dropoff_longitude double precision, dropoff_latitude double precision, payment_type bigint, fare_amount numeric(10,2))"
}

#!/usr/bin/env bash
# Private ClickHouse for residenthub on loopback: start | stop | status.
#
# Installs Debian's clickhouse-server with apt where it is missing (as root),
# then runs an instance with a project-local config and data folder (not the
# system-wide /var/lib/clickhouse), on ports that do not clash with a system
# instance. Idempotent: "start" on a running instance only prints its address.
#
# Environment: CLICKHOUSE_HOME (data folder, default <repo>/var/clickhouse),
# CLICKHOUSE_TCP_PORT (default 19000), CLICKHOUSE_HTTP_PORT (default 18123),
# CLICKHOUSE_MALLOC_CONF (the server's jemalloc settings, see clickhouse/malloc.sh).
#
# Users (clickhouse/users.xml): "default" without a password (loopback only),
# and the read-only "analyst", who may read only the databases in
# CLICKHOUSE_ANALYST_DATABASES (default "analytics residenthub_demo_analytics").
# The analyst's password is CLICKHOUSE_ANALYST_PASSWORD if set, else the one in
# $CLICKHOUSE_HOME/analyst.password, else a random one written there (mode
# 600) on first start; users.xml holds only its SHA-256. Starting a running
# instance of this checkout again rewrites users.xml (ClickHouse reloads it),
# so a new password or database list takes effect without a restart.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
home=${CLICKHOUSE_HOME:-$repo/var/clickhouse}
tcp_port=${CLICKHOUSE_TCP_PORT:-19000}
http_port=${CLICKHOUSE_HTTP_PORT:-18123}
pidfile=$home/clickhouse.pid
analyst_databases=${CLICKHOUSE_ANALYST_DATABASES:-analytics residenthub_demo_analytics}
# shellcheck source=clickhouse/users.sh
. "$here/clickhouse/users.sh"
# shellcheck source=clickhouse/malloc.sh
. "$here/clickhouse/malloc.sh"

server_bin() {
  command -v clickhouse-server 2>/dev/null || ls /usr/sbin/clickhouse-server 2>/dev/null || true
}

install_server() {
  [ -n "$(server_bin)" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "clickhouse-server is not installed; run as root, or: sudo apt-get install clickhouse-server" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null; then
    echo "clickhouse-server is not installed and apt-get is missing (Debian/Ubuntu only; see deploy/README.md for Docker)" >&2
    exit 1
  fi
  echo "installing clickhouse-server with apt ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq clickhouse-server clickhouse-client >&2
}

answers() {
  # The native port accepting a TCP connection and the HTTP /ping saying Ok.
  curl -fsS --max-time 2 "http://127.0.0.1:$http_port/ping" 2>/dev/null | grep -q Ok
}

running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

write_config() {
  mkdir -p "$home/data" "$home/tmp" "$home/user_files" "$home/log"
  sed -e "s#@HOME@#$home#g" -e "s#@TCP_PORT@#$tcp_port#g" -e "s#@HTTP_PORT@#$http_port#g" \
    "$here/clickhouse/config.xml" >"$home/config.xml"
  write_users
}

# write_users fills users.xml with the analyst's password hash and databases.
write_users() {
  write_users_xml "$home/users.xml" "$home/analyst.password"
}

start() {
  install_server
  if answers; then
    if running_pid >/dev/null; then
      write_users # ClickHouse reloads users.xml by itself
      echo "clickhouse running: native 127.0.0.1:$tcp_port http 127.0.0.1:$http_port (data $home)"
    else
      # Someone else's server (another checkout, the system one) holds the
      # ports: use it, and say so truthfully.
      rm -f "$pidfile"
      echo "clickhouse running: native 127.0.0.1:$tcp_port http 127.0.0.1:$http_port (a server not started from this checkout; for a private one set CLICKHOUSE_TCP_PORT and CLICKHOUSE_HTTP_PORT to free ports)"
    fi
    return 0
  fi
  write_config
  local bin pid
  bin=$(server_bin)
  MALLOC_CONF=$clickhouse_malloc_conf nohup "$bin" --config-file="$home/config.xml" >"$home/log/stdout.log" 2>&1 &
  pid=$!
  echo "$pid" >"$pidfile"
  for _ in $(seq 1 120); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pidfile"
      echo "clickhouse-server exited during start; last log lines:" >&2
      tail -n 20 "$home/log/clickhouse-server.err.log" "$home/log/stdout.log" >&2 2>/dev/null || true
      exit 1
    fi
    if answers; then
      echo "clickhouse running: native 127.0.0.1:$tcp_port http 127.0.0.1:$http_port (data $home)"
      return 0
    fi
    sleep 0.5
  done
  echo "clickhouse did not answer on 127.0.0.1:$http_port within 60 s; last log lines:" >&2
  tail -n 30 "$home/log/clickhouse-server.err.log" "$home/log/stdout.log" >&2 2>/dev/null || true
  exit 1
}

stop() {
  local pid
  if pid=$(running_pid); then
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    echo "clickhouse stopped"
  else
    echo "clickhouse not running"
  fi
  rm -f "$pidfile"
}

status() {
  if running_pid >/dev/null && answers; then
    echo "clickhouse running: native 127.0.0.1:$tcp_port http 127.0.0.1:$http_port (data $home)"
  else
    echo "clickhouse not running"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# PostgreSQL and MariaDB on loopback for the SQL connector tests: start.
# Uses running servers where they answer (127.0.0.1:5432 and :3306); otherwise
# starts the installed ones, installing Debian's packages with apt if missing.
# The tests connect as postgres (trust auth on loopback) and root (no password);
# override with RESIDENTHUB_TEST_POSTGRES / RESIDENTHUB_TEST_MYSQL DSNs.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "cannot install $*: need root and apt-get (Debian/Ubuntu)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "$@" >&2
}

wait_port() {
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done
  echo "$2 did not open 127.0.0.1:$1 within 30 s" >&2
  exit 1
}

postgres() {
  port_open 5432 && return 0
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  if [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    echo "postgresql is installed but has no cluster in /etc/postgresql" >&2
    exit 1
  fi
  local ver
  ver=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start
  wait_port 5432 postgresql
  # Loopback trust for the test user, as on the project's machines.
  local hba=/etc/postgresql/$ver/main/pg_hba.conf
  if ! grep -q "residenthub-tests" "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust # residenthub-tests' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main reload
  fi
}

mariadb() {
  port_open 3306 && return 0
  command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || apt_install mariadb-server
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --bind-address=127.0.0.1
  wait_port 3306 mariadb
  # root over TCP without a password, as on the project's machines.
  mariadb_cli=$(command -v mariadb || command -v mysql)
  "$mariadb_cli" -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD(''); FLUSH PRIVILEGES;" 2>/dev/null || true
}

case "${1:-}" in
  start) postgres; mariadb; echo "postgresql 127.0.0.1:5432 and mariadb 127.0.0.1:3306 ready" ;;
  *) echo "usage: $0 start" >&2; exit 2 ;;
esac

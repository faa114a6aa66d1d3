#!/usr/bin/env bash
# Private replicated, sharded ClickHouse cluster for residenthub on loopback:
# start | stop | status.
#
# ZooKeeper (Debian's `zookeeper`, installed with apt where missing, as root)
# on 127.0.0.1:$CLUSTER_ZK_PORT, and four clickhouse-server processes forming
# the cluster "$CLUSTER_NAME": 2 shards x 2 replicas, each with its own config
# and data under $CLUSTER_HOME/node<N>. Ports (defaults clear of the other
# private servers on 19000/18123, 29000/28123, 29100, 29200, and below
# Linux's ephemeral range, 32768-60999, where a client's outgoing connection
# may hold the port a server is about to bind):
#   node1 shard 1 replica 1   native 23001  http 22121  interserver 23011
#   node2 shard 1 replica 2   native 23002  http 22122  interserver 23012
#   node3 shard 2 replica 1   native 23003  http 22123  interserver 23013
#   node4 shard 2 replica 2   native 23004  http 22124  interserver 23014
#   ZooKeeper 32181
# Point the hub at it with clickhouse.addr "127.0.0.1:23001,127.0.0.1:23002,
# 127.0.0.1:23003,127.0.0.1:23004" and clickhouse.cluster "$CLUSTER_NAME".
#
# `start` waits until ZooKeeper answers `srvr` with a Mode: line before it
# starts a server: a ClickHouse 18.16 that connects while ZooKeeper answers
# `ruok` but still refuses sessions keeps a dead handle and crashes on its
# first ON CLUSTER query. Idempotent: it starts only what is not running.
# `start node<N>` / `stop node<N>` start or stop (SIGTERM) one server, so a
# test can bring back a replica it killed.
#
# Environment: CLUSTER_HOME (default <repo>/var/cluster), CLUSTER_NAME
# (default residenthub), CLUSTER_ZK_PORT (32181), CLUSTER_PORT_BASE (23000:
# native base+N, interserver base+10+N; http CLUSTER_HTTP_BASE+N, default
# 22120). Users as deploy/local/clickhouse.sh (default without a password
# from loopback, the read-only analyst with the password in
# $CLUSTER_HOME/analyst.password), and in both profiles load_balancing=in_order
# and distributed_product_mode=global (store.ClusterSettings says why). Every
# node runs with the jemalloc settings of clickhouse/malloc.sh
# (CLICKHOUSE_MALLOC_CONF overrides them).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
home=${CLUSTER_HOME:-$repo/var/cluster}
name=${CLUSTER_NAME:-residenthub}
zk_port=${CLUSTER_ZK_PORT:-32181}
port_base=${CLUSTER_PORT_BASE:-23000}
http_base=${CLUSTER_HTTP_BASE:-22120}
analyst_databases=${CLICKHOUSE_ANALYST_DATABASES:-analytics residenthub_demo_analytics}
nodes="1 2 3 4"
# shellcheck source=clickhouse/users.sh
. "$here/clickhouse/users.sh"
# shellcheck source=clickhouse/malloc.sh
. "$here/clickhouse/malloc.sh"

tcp_port() { echo $((port_base + $1)); }
http_port() { echo $((http_base + $1)); }
shard_of() { echo $((($1 + 1) / 2)); }
replica_of() { echo $((($1 + 1) % 2 + 1)); }

server_bin() {
  command -v clickhouse-server 2>/dev/null || ls /usr/sbin/clickhouse-server 2>/dev/null || true
}

need_root_apt() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "$1 is not installed; install it (Debian/Ubuntu: sudo apt-get install $1)" >&2
    exit 1
  fi
}

install() {
  local pkgs=()
  [ -n "$(server_bin)" ] || pkgs+=(clickhouse-server clickhouse-client)
  [ -f /usr/share/java/zookeeper.jar ] || pkgs+=(zookeeper)
  command -v java >/dev/null || pkgs+=(default-jre-headless)
  [ ${#pkgs[@]} -eq 0 ] && return 0
  need_root_apt "${pkgs[*]}"
  echo "installing ${pkgs[*]} with apt ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${pkgs[@]}" >&2
}

# --- ZooKeeper ---------------------------------------------------------------

zk_word() {
  # A four-letter word over bash's /dev/tcp (no nc needed); empty on failure.
  local word=$1
  ( exec 3<>"/dev/tcp/127.0.0.1/$zk_port" && printf '%s' "$word" >&3 && timeout 2 cat <&3 ) 2>/dev/null || true
}

zk_serving() { zk_word srvr | grep -q '^Mode: '; }

pid_alive() {
  local f=$1 pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

start_zk() {
  local dir=$home/zookeeper pid
  if pid_alive "$dir/zookeeper.pid" >/dev/null && zk_serving; then
    return 0
  fi
  if zk_serving; then
    echo "port $zk_port answers as ZooKeeper but was not started from $home; set CLUSTER_ZK_PORT" >&2
    exit 1
  fi
  mkdir -p "$dir/data" "$dir/log"
  sed -e "s#@HOME@#$home#g" -e "s#@ZK_PORT@#$zk_port#g" "$here/cluster/zoo.cfg" >"$dir/zoo.cfg"
  nohup java -Xms64m -Xmx256m -Dzookeeper.log.dir="$dir/log" -Dzookeeper.root.logger=WARN,CONSOLE \
    -cp "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar" \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zoo.cfg" >"$dir/log/stdout.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/zookeeper.pid"
  for _ in $(seq 1 120); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "ZooKeeper exited during start; last log lines:" >&2
      tail -n 20 "$dir/log/stdout.log" >&2 || true
      exit 1
    fi
    # Not ruok: it answers imok before the server accepts sessions.
    zk_serving && return 0
    sleep 0.25
  done
  echo "ZooKeeper did not serve (srvr Mode:) on 127.0.0.1:$zk_port within 30 s" >&2
  tail -n 20 "$dir/log/stdout.log" >&2 || true
  exit 1
}

# --- ClickHouse servers ------------------------------------------------------

answers() { curl -fsS --max-time 2 "http://127.0.0.1:$(http_port "$1")/ping" 2>/dev/null | grep -q Ok; }

write_users() {
  # The single server's users, with load_balancing=in_order and
  # distributed_product_mode=global in each profile that sets
  # use_uncompressed_cache (default and analyst): string settings that
  # clickhouse-go cannot send to 18.16 (store.ClusterSettings).
  write_users_xml "$1/users.xml" "$home/analyst.password" \
    -e "/<load_balancing>random<\/load_balancing>/d" \
    -e "s#<use_uncompressed_cache>0</use_uncompressed_cache>#&<load_balancing>in_order</load_balancing><distributed_product_mode>global</distributed_product_mode>#"
}

write_config() {
  local n=$1 dir=$home/node$1
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/log"
  sed -e "s#@HOME@#$dir#g" -e "s#@TCP_PORT@#$(tcp_port "$n")#g" -e "s#@HTTP_PORT@#$(http_port "$n")#g" \
    -e "s#@INTERSERVER_PORT@#$((port_base + 10 + n))#g" -e "s#@ZK_PORT@#$zk_port#g" \
    -e "s#@CLUSTER@#$name#g" -e "s#@SHARD@#$(shard_of "$n")#g" -e "s#@REPLICA@#$(replica_of "$n")#g" \
    -e "s#@REPLICA_NAME@#node$n#g" \
    -e "s#@TCP_PORT_1@#$(tcp_port 1)#g" -e "s#@TCP_PORT_2@#$(tcp_port 2)#g" \
    -e "s#@TCP_PORT_3@#$(tcp_port 3)#g" -e "s#@TCP_PORT_4@#$(tcp_port 4)#g" \
    "$here/cluster/config.xml" >"$dir/config.xml"
  write_users "$dir"
}

start_node() {
  local n=$1 dir=$home/node$1 bin pid
  if pid_alive "$dir/clickhouse.pid" >/dev/null && answers "$n"; then
    write_users "$dir"
    return 0
  fi
  if answers "$n"; then
    echo "port $(http_port "$n") answers but node$n was not started from $home; set CLUSTER_PORT_BASE / CLUSTER_HTTP_BASE" >&2
    exit 1
  fi
  write_config "$n"
  bin=$(server_bin)
  MALLOC_CONF=$clickhouse_malloc_conf nohup "$bin" --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 &
  echo $! >"$dir/clickhouse.pid"
}

wait_node() {
  local n=$1 dir=$home/node$1 pid
  pid=$(cat "$dir/clickhouse.pid")
  for _ in $(seq 1 120); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$dir/clickhouse.pid"
      echo "node$n exited during start; last log lines:" >&2
      tail -n 20 "$dir/log/clickhouse-server.err.log" "$dir/log/stdout.log" >&2 2>/dev/null || true
      exit 1
    fi
    answers "$n" && return 0
    sleep 0.25
  done
  echo "node$n did not answer on 127.0.0.1:$(http_port "$n") within 30 s" >&2
  tail -n 30 "$dir/log/clickhouse-server.err.log" >&2 2>/dev/null || true
  exit 1
}

stop_pid() {
  local f=$1 what=$2 pid
  if pid=$(pid_alive "$f"); then
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    echo "$what stopped"
  fi
  rm -f "$f"
}

addrs() {
  local out="" n
  for n in $nodes; do out="$out${out:+,}127.0.0.1:$(tcp_port "$n")"; done
  echo "$out"
}

describe() {
  echo "cluster $name running: zookeeper 127.0.0.1:$zk_port, clickhouse native $(addrs) (data $home)"
}

start() {
  local only=${1:-}
  install
  mkdir -p "$home"
  start_zk
  if [ -n "$only" ]; then
    start_node "${only#node}"
    wait_node "${only#node}"
    echo "$only running: native 127.0.0.1:$(tcp_port "${only#node}")"
    return 0
  fi
  local n
  for n in $nodes; do start_node "$n"; done
  for n in $nodes; do wait_node "$n"; done
  describe
}

stop() {
  local only=${1:-} n
  if [ -n "$only" ]; then
    stop_pid "$home/$only/clickhouse.pid" "$only"
    return 0
  fi
  for n in $nodes; do stop_pid "$home/node$n/clickhouse.pid" "node$n"; done
  stop_pid "$home/zookeeper/zookeeper.pid" zookeeper
}

status() {
  local n bad=0
  if pid_alive "$home/zookeeper/zookeeper.pid" >/dev/null && zk_serving; then
    echo "zookeeper 127.0.0.1:$zk_port: $(zk_word srvr | grep '^Mode: ')"
  else
    echo "zookeeper 127.0.0.1:$zk_port: not running"
    bad=1
  fi
  for n in $nodes; do
    if pid_alive "$home/node$n/clickhouse.pid" >/dev/null && answers "$n"; then
      echo "node$n shard $(shard_of "$n") replica $(replica_of "$n"): running, native 127.0.0.1:$(tcp_port "$n")"
    else
      echo "node$n shard $(shard_of "$n") replica $(replica_of "$n"): not running"
      bad=1
    fi
  done
  return $bad
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  status) status ;;
  addrs) addrs ;;
  *) echo "usage: $0 start|stop [node1..node4] | status | addrs" >&2; exit 2 ;;
esac

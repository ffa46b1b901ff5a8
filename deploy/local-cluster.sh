#!/usr/bin/env bash
# Starts, inspects and stops a 3-node Cairn cluster on loopback: every node a
# broker and a controller-quorum voter, with the configs in local-cluster/;
# node 4 is an optional broker-only node (a learner of the metadata log).
#
#   deploy/local-cluster.sh start          start nodes 1-3 (in the background)
#   deploy/local-cluster.sh status         which node leads the controller quorum
#   deploy/local-cluster.sh stop           SIGTERM every node (4 too), wait for it
#   deploy/local-cluster.sh start-node N   start one node (again); N=4 adds the
#                                          broker-only node
#   deploy/local-cluster.sh kill-node N    kill -9 one node
#
# Environment:
#   CAIRND       the binary (default build/release/app/cairnd, built if missing)
#   CLUSTER_DIR  data, logs and pid files (default data/local-cluster)
#   PORT_OFFSET  added to every port of the configs (default 0), so that two
#                clusters (or a test) can run side by side
#   OVERRIDES    extra key=value settings for every node, space-separated
#   HOST_NAME    the host the nodes give each other (controller.quorum.voters)
#                and clients (advertised.listeners); default 127.0.0.1. A
#                name must resolve to 127.0.0.1, where the nodes listen.
set -euo pipefail
cd "$(dirname "$0")/.."

CAIRND=${CAIRND:-build/release/app/cairnd}
CLUSTER_DIR=${CLUSTER_DIR:-data/local-cluster}
PORT_OFFSET=${PORT_OFFSET:-0}
HOST_NAME=${HOST_NAME:-127.0.0.1}
NODES=(1 2 3)          # the voters: brokers and controllers
ALL_NODES=(1 2 3 4)    # 4: broker-only (node4.properties)

port() { echo $(($1 + PORT_OFFSET)); }
kafka_port() { port $((19091 + $1)); }
controller_port() { port $((19191 + $1)); }
admin_port() { port $((19643 + $1)); }

voters() {
  local out="" n
  for n in "${NODES[@]}"; do out+="${out:+,}$n@$HOST_NAME:$(controller_port "$n")"; done
  echo "$out"
}

ensure_binary() {
  if [[ ! -x $CAIRND ]]; then
    echo "building $CAIRND"
    cmake --preset release >/dev/null
    cmake --build --preset release --target cairnd
  fi
}

start_node() {
  local n=$1
  mkdir -p "$CLUSTER_DIR"
  if [[ -f $CLUSTER_DIR/node$n.pid ]] && kill -0 "$(cat "$CLUSTER_DIR/node$n.pid")" 2>/dev/null; then
    echo "node $n already runs (pid $(cat "$CLUSTER_DIR/node$n.pid"))"
    return
  fi
  "$CAIRND" --config "deploy/local-cluster/node$n.properties" \
    --override "log.dirs=$CLUSTER_DIR/node$n" \
    --override "listeners=PLAINTEXT://127.0.0.1:$(kafka_port "$n"),CONTROLLER://127.0.0.1:$(controller_port "$n")" \
    --override "advertised.listeners=PLAINTEXT://$HOST_NAME:$(kafka_port "$n")" \
    --override "controller.quorum.voters=$(voters)" \
    --override "admin.listener=127.0.0.1:$(admin_port "$n")" \
    $(for o in ${OVERRIDES:-}; do printf -- '--override %s ' "$o"; done) \
    >>"$CLUSTER_DIR/node$n.log" 2>&1 &
  echo $! >"$CLUSTER_DIR/node$n.pid"
  echo "node $n: pid $!, Kafka 127.0.0.1:$(kafka_port "$n"), controller :$(controller_port "$n"), admin :$(admin_port "$n"), log $CLUSTER_DIR/node$n.log"
}

stop_node() {
  local n=$1 signal=$2 pid
  [[ -f $CLUSTER_DIR/node$n.pid ]] || return 0
  pid=$(cat "$CLUSTER_DIR/node$n.pid")
  if kill "-$signal" "$pid" 2>/dev/null; then
    # A node stops within a few seconds of SIGTERM, also while it waits for
    # its quorum; one that does not within 10 s is killed.
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
      sleep 0.1
      waited=$((waited + 1))
      if [[ $waited -eq 100 && $signal != KILL ]]; then
        echo "node $n (pid $pid) still running 10 s after SIG$signal; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      fi
    done
    echo "node $n (pid $pid) stopped with SIG$signal"
  fi
  rm -f "$CLUSTER_DIR/node$n.pid"
}

status() {
  command -v curl >/dev/null || { echo "status needs curl (apt-get install curl)" >&2; exit 1; }
  local n
  for n in "${ALL_NODES[@]}"; do
    [[ $n -le 3 || -f $CLUSTER_DIR/node$n.pid ]] || continue
    printf 'node %s: ' "$n"
    curl -fsS "http://127.0.0.1:$(admin_port "$n")/v1/controller" 2>/dev/null || echo "not answering"
  done
}

case "${1:-}" in
  start)
    ensure_binary
    for n in "${NODES[@]}"; do start_node "$n"; done
    echo "bootstrap servers: 127.0.0.1:$(kafka_port 1),127.0.0.1:$(kafka_port 2),127.0.0.1:$(kafka_port 3)"
    ;;
  start-node) ensure_binary; start_node "${2:?node number}" ;;
  kill-node) stop_node "${2:?node number}" KILL ;;
  stop) for n in "${ALL_NODES[@]}"; do stop_node "$n" TERM; done ;;
  status) status ;;
  *) sed -n '2,18p' "$0"; exit 2 ;;
esac

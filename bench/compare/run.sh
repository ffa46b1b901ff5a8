#!/usr/bin/env bash
# Cairn against Redis Streams, NATS JetStream and RabbitMQ stream queues, in
# one command (docs/benchmarks.md, "Compared with other brokers"):
#   1. installs the missing Debian packages (servers, client libraries, matplotlib);
#   2. builds cairnd and the drivers of bench/compare;
#   3. one system at a time: starts it on free loopback ports with its data in
#      a fresh directory under the same parent (the same filesystem for all)
#      and drives it at 100 B and 1 KiB (same bytes, connections and window
#      for all); then, every server still up, drives each at one fixed
#      offered load, in interleaved rounds; then stops them all;
#   4. right after Cairn's runs, measures write+fdatasync at Cairn's bytes
#      per fsync and loopback TCP;
#   5. writes the table (Markdown, JSON) and the plot, prints ratios to Cairn.
# Every server it started is stopped on exit, error or Ctrl-C.
set -euo pipefail

usage() {
  cat >&2 <<'USAGE'
usage: bench/compare/run.sh [--quick] [--no-install] [--no-build] [--no-docs] [--tmp DIR]
                            [--systems cairn,redis,nats,rabbitmq] [--connections N]
                            [--total-bytes N] [--window-bytes N] [--rate RECORDS_PER_S] [--rate-seconds S]
                            [--rate-rounds N]
  --quick         32 MiB per run, one round of 3 s at the fixed load; does not touch the docs
  --no-install    do not apt-get install missing packages
  --no-build      use the binaries already in the build directory
  --no-docs       do not rewrite docs/benchmarks.md and docs/img/compare.png
  --tmp DIR       parent of the data directories (default /tmp)
Defaults: 4 connections, 256M per run, 1M unacknowledged per connection,
20000 records/s of 1 KiB at the fixed load in 3 rounds of 10 s per system.
Environment: BUILD_DIR (default build/release), OUT_DIR (default BUILD_DIR/compare),
CAIRND (default BUILD_DIR/app/cairnd).
USAGE
  exit 2
}

root="$(cd "$(dirname "$0")/../.." && pwd)"
build_dir="${BUILD_DIR:-$root/build/release}"
out_dir="${OUT_DIR:-$build_dir/compare}"
install=1 build=1 docs=1 tmp_parent=/tmp
systems="cairn,redis,nats,rabbitmq"
connections=4 total_bytes=256M window_bytes=1M rate=20000 rate_seconds=10 rate_rounds=3
command_line="${CAIRND:+CAIRND=$CAIRND }${BUILD_DIR:+BUILD_DIR=$BUILD_DIR }bench/compare/run.sh $*"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) total_bytes=32M rate_seconds=3 rate_rounds=1 docs=0; shift ;;
    --no-install) install=0; shift ;;
    --no-build) build=0; shift ;;
    --no-docs) docs=0; shift ;;
    --tmp) tmp_parent="$2"; shift 2 ;;
    --systems) systems="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --total-bytes) total_bytes="$2"; shift 2 ;;
    --window-bytes) window_bytes="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --rate-seconds) rate_seconds="$2"; shift 2 ;;
    --rate-rounds) rate_rounds="$2"; shift 2 ;;
    *) usage ;;
  esac
done
has() { [[ ",$systems," == *",$1,"* ]]; }
log() { echo "== $* ($(date -u +%H:%M:%S), load average $(cut -d' ' -f1 /proc/loadavg))" >&2; }

# --- 1. packages ------------------------------------------------------------
packages=(python3-matplotlib librdkafka-dev pkg-config)
has redis && packages+=(redis-server redis-tools libhiredis-dev)
has nats && packages+=(nats-server libnats-dev)
has rabbitmq && packages+=(rabbitmq-server librabbitmq-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  [[ $install == 1 ]] || { echo "missing packages: ${missing[*]}" >&2; exit 1; }
  log "apt-get install ${missing[*]}"
  # policy-rc.d 101: packaged services must not start (they would take the
  # default ports); this run starts its own instances.
  had_policy=0; [[ -e /usr/sbin/policy-rc.d ]] && had_policy=1
  [[ $had_policy == 1 ]] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" ||
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; }
  [[ $had_policy == 1 ]] || rm -f /usr/sbin/policy-rc.d
fi

# --- 2. build -----------------------------------------------------------------
targets=(cairnd cairn_client_compare cairn_compare baselines_compare)
has redis && targets+=(redis_compare)
has nats && targets+=(nats_compare)
has rabbitmq && targets+=(rabbitmq_compare)
if [[ $build == 1 ]]; then
  log "build ${targets[*]} in $build_dir"
  if [[ "$build_dir" == "$root/build/release" ]]; then
    (cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release --target "${targets[@]}")
  else
    cmake --preset release -S "$root" -B "$build_dir" >/dev/null
    cmake --build "$build_dir" --target "${targets[@]}"
  fi
fi
bin="$build_dir/bench/compare"
cairnd="${CAIRND:-$build_dir/app/cairnd}"
# A driver is only configured when its client library was installed before
# cmake last ran, so with --no-build one may be missing: say so before any
# server starts, not halfway through the run.
for target in "${targets[@]}"; do
  [[ $target == cairnd ]] && path="$cairnd" || path="$bin/$target"
  [[ -x "$path" ]] || { echo "$path is missing: run without --no-build" >&2; exit 1; }
done

# --- 3. servers ---------------------------------------------------------------
work="$(mktemp -d "$tmp_parent/cairn-compare.XXXXXX")"
mkdir -p "$work/results" "$work/config"
server_pids=()
epmd_port=""
driver_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n "$driver_pid" ]]; then
    # The driver's perf record (its child) would outlive a killed driver.
    for child in $(pgrep -P "$driver_pid" || true); do kill -INT "$child" 2>/dev/null || true; done
    kill -TERM "$driver_pid" 2>/dev/null || true
  fi
  for pid in "${server_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${server_pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  [[ -n "$epmd_port" ]] && ERL_EPMD_PORT="$epmd_port" epmd -kill >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() {  # port, seconds
  for _ in $(seq $(( $2 * 10 ))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$1 after $2 s" >&2
  return 1
}
stop_server() {  # pid: SIGTERM, wait, drop from the cleanup list
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  local kept=()
  for pid in "${server_pids[@]}"; do [[ $pid == "$1" ]] || kept+=("$pid"); done
  server_pids=("${kept[@]}")
}

# run_driver OUTPUT ARGS...: in the background, so that a signal to this
# script is handled at once rather than when the driver ends.
run_driver() {
  local out=$1
  shift
  "$@" > "$out" &
  driver_pid=$!
  wait "$driver_pid"
  driver_pid=""
}

# settle: writes back every dirty page before a measurement. A system that
# acknowledges before fsync (NATS) leaves what it wrote in the page cache,
# and the kernel writes it back up to dirty_expire_centisecs (30 s) later:
# in the next system's run, whose own fsyncs then queue behind it. Measured
# here: Cairn rounds that followed NATS rounds had p99 of 27-138 ms while
# 100-470 MB of NATS's data was written back, against 4 ms after a sync.
settle() {
  local dirty
  dirty=$(awk '/^Dirty:/ {print $2}' /proc/meminfo)
  local began=$SECONDS
  sync
  [[ $dirty -gt 1024 ]] && log "settled: wrote back $(( dirty / 1024 )) MiB of dirty pages in $(( SECONDS - began )) s"
  return 0
}

# Every started system: its driver, port and server pid, by name, in order.
started=()
declare -A driver_of port_of pid_of

# throughput SYSTEM: both record sizes, with the server's fsyncs counted.
throughput() {
  local system=$1 size
  for size in 100 1024; do
    settle
    log "$system: $size B records, $total_bytes, $connections connections, $window_bytes window each"
    run_driver "$work/results/$system-$size.json" "$bin/${driver_of[$system]}" --port "${port_of[$system]}" \
      --name "cmp-$system-$size" --record-bytes "$size" --total-bytes "$total_bytes" --connections "$connections" \
      --window-bytes "$window_bytes" --server-pid "${pid_of[$system]}" --perf-data "$work/perf.data"
    /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("   %.0f records/s, %.1f MB/s, p50 %.2f ms, p99 %.2f ms, fsyncs %d" % (d["records_per_s"], d["mb_per_s"], d["latency_p50_ms"], d["latency_p99_ms"], d.get("server_fsyncs", -1)))' "$work/results/$system-$size.json" >&2
  done
}

# cpu_ticks PID: user + system CPU time the process has used, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# host_ticks: "STEAL TOTAL" of all CPUs since boot (/proc/stat). Steal is
# time a virtual CPU was ready but the hypervisor ran someone else: on a
# shared host it comes in spells, and a round in one has a longer tail
# whatever the system, so each round records it.
host_ticks() { awk '$1 == "cpu" {print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit}' /proc/stat; }

# fixed_load SYSTEM ROUND: one round at the fixed offered load.
fixed_load() {
  local system=$1 round=$2 out="$work/results/rounds/$1-rate-$2.json"
  settle
  log "$system: fixed load round $round of $rate_rounds, $rate records/s of 1024 B for $rate_seconds s"
  local other before=() host_before
  for other in "${started[@]}"; do before+=("$(cpu_ticks "${pid_of[$other]}")"); done
  host_before=$(host_ticks)
  run_driver "$out" "$bin/${driver_of[$system]}" --port "${port_of[$system]}" --name "cmp-$system-rate-$round" \
    --record-bytes 1024 --rate "$rate" --seconds "$rate_seconds" --connections "$connections" \
    --window-bytes "$window_bytes"
  local i=0 used=()
  for other in "${started[@]}"; do
    used+=("$other $(( ($(cpu_ticks "${pid_of[$other]}") - before[i]) * 100 / $(getconf CLK_TCK) / rate_seconds ))%")
    i=$(( i + 1 ))
  done
  echo "   server CPU during the round (of one core): ${used[*]}" >&2
  /usr/bin/python3 - "$out" $host_before $(host_ticks) >&2 <<'PY'
import json, sys
path, steal0, total0, steal1, total1 = sys.argv[1], *map(int, sys.argv[2:])
with open(path) as f:
    d = json.load(f)
d["host_steal_percent"] = round(100.0 * (steal1 - steal0) / max(1, total1 - total0), 1)
with open(path, "w") as f:
    json.dump(d, f, indent=1)
print("   p50 %.2f ms, p99 %.2f ms, max %.2f ms; the host stole %.1f%% of the CPUs' time" % (
    d["latency_p50_ms"], d["latency_p99_ms"], d["latency_max_ms"], d["host_steal_percent"]))
PY
}

# started_system SYSTEM DRIVER PORT PID: records a server that is up, then
# measures its throughput while the others started before it sit idle.
started_system() {
  started+=("$1"); driver_of[$1]=$2; port_of[$1]=$3; pid_of[$1]=$4
  throughput "$1"
}

if has cairn; then
  port=$(free_port) admin=$(free_port)
  args=(--override "listeners=PLAINTEXT://127.0.0.1:$port" --override "admin.listener=127.0.0.1:$admin"
        --override "log.dirs=$work/cairn")
  echo "$cairnd ${args[*]}  (every other setting at its default: fsync before ack)" > "$work/config/cairn.txt"
  log "start cairnd on 127.0.0.1:$port"
  "$cairnd" "${args[@]}" > "$work/cairn.log" 2>&1 &
  server_pids+=($!); pid=$!
  for _ in $(seq 300); do
    /usr/bin/python3 -c 'import sys,urllib.request; urllib.request.urlopen("http://127.0.0.1:%s/v1/ready" % sys.argv[1], timeout=1)' "$admin" 2>/dev/null && break
    kill -0 "$pid" || { cat "$work/cairn.log" >&2; exit 1; }
    sleep 0.1
  done
  # Cairn's row: its own client (client/), as each peer's is its own client
  # library. The same broker through librdkafka, the client most Kafka
  # applications use, is a row of its own.
  started_system cairn cairn_client_compare "$port" "$pid"
  started_system cairn_librdkafka cairn_compare "$port" "$pid"
fi

# --- 4. physical baselines ------------------------------------------------------
# Right after Cairn's throughput runs, before the other systems write: this
# disk takes synced writes into new files more slowly once a few GiB have
# gone in since files were last deleted (docs/benchmarks.md, "This machine's
# disk slows down as fresh space fills"), so the baseline is measured in
# the state Cairn's runs met, not after every system's.
bytes_per_sync=1048576
[[ -f "$work/results/cairn-1024.json" ]] &&
  bytes_per_sync=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["server_bytes_per_fsync"] or 1048576)' "$work/results/cairn-1024.json")
settle
log "baselines: write+fdatasync of $total_bytes at $bytes_per_sync B per sync; loopback TCP"
"$bin/baselines_compare" --dir "$work" --bytes "$total_bytes" --bytes-per-sync "$bytes_per_sync" \
  --loopback-bytes 4G > "$work/results/baselines.json"

if has redis; then
  port=$(free_port)
  mkdir -p "$work/redis"
  cat > "$work/config/redis.conf" <<EOF
bind 127.0.0.1
port $port
protected-mode no
dir $work/redis
appendonly yes
appendfsync always
save ""
daemonize no
EOF
  log "start redis-server on 127.0.0.1:$port"
  redis-server "$work/config/redis.conf" > "$work/redis.log" 2>&1 &
  server_pids+=($!); pid=$!
  wait_port "$port" 30
  started_system redis redis_compare "$port" "$pid"
fi

if has nats; then
  port=$(free_port)
  cat > "$work/config/nats.conf" <<EOF
listen: 127.0.0.1:$port
jetstream {
  store_dir: "$work/nats"
}
EOF
  log "start nats-server on 127.0.0.1:$port"
  nats-server -c "$work/config/nats.conf" > "$work/nats.log" 2>&1 &
  server_pids+=($!); pid=$!
  wait_port "$port" 30
  started_system nats nats_compare "$port" "$pid"
fi

rabbitmq_script_pid=""
if has rabbitmq; then
  port=$(free_port) dist_port=$(free_port) epmd_port=$(free_port)
  rabbitmq_node="cairn-compare-$$@localhost"
  mkdir -p "$work/rabbitmq/home"
  cat > "$work/config/rabbitmq.conf" <<EOF
listeners.tcp.1 = 127.0.0.1:$port
loopback_users.guest = true
EOF
  : > "$work/config/rabbitmq-enabled-plugins"
  # Its own node name, ports, epmd and Erlang cookie (HOME), so it cannot
  # meet a packaged instance.
  export HOME="$work/rabbitmq/home" ERL_EPMD_PORT="$epmd_port" RABBITMQ_NODENAME="$rabbitmq_node"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$port" RABBITMQ_DIST_PORT="$dist_port"
  export RABBITMQ_CONFIG_FILE="$work/config/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$work/config/rabbitmq-enabled-plugins"
  export RABBITMQ_MNESIA_BASE="$work/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$work/rabbitmq/log"
  export RABBITMQ_PID_FILE="$work/rabbitmq/pid"
  log "start rabbitmq-server on 127.0.0.1:$port"
  /usr/lib/rabbitmq/bin/rabbitmq-server > "$work/rabbitmq.log" 2>&1 &
  server_pids+=($!); rabbitmq_script_pid=$!
  wait_port "$port" 120
  beam=$(cat "$work/rabbitmq/pid")
  server_pids+=("$beam")
  started_system rabbitmq rabbitmq_compare "$port" "$beam"
fi

# The fixed load, in rounds: each round drives every system once, the order
# shifted by one each round, so that a busy spell of this shared machine
# falls on all systems alike rather than on whichever ran then. Each
# system's result is its round with the median p99.
mkdir -p "$work/results/rounds"
for round in $(seq "$rate_rounds"); do
  n=${#started[@]}
  for i in $(seq 0 $(( n - 1 ))); do
    fixed_load "${started[$(( (i + round - 1) % n ))]}" "$round"
  done
done
for system in "${started[@]}"; do
  # In round order (a glob would put round 10 before round 2).
  round_files=()
  for round in $(seq "$rate_rounds"); do round_files+=("$work/results/rounds/$system-rate-$round.json"); done
  /usr/bin/python3 "$root/bench/compare/median_round.py" "${round_files[@]}" > "$work/results/$system-rate.json"
done

for system in "${started[@]}"; do
  if [[ $system == rabbitmq ]]; then
    /usr/lib/rabbitmq/bin/rabbitmqctl -n "$rabbitmq_node" stop >/dev/null 2>&1 || true
    stop_server "${pid_of[$system]}"
    stop_server "$rabbitmq_script_pid"
    ERL_EPMD_PORT="$epmd_port" epmd -kill >/dev/null 2>&1 || true
    epmd_port=""
  else
    stop_server "${pid_of[$system]}"
  fi
done

# --- 5. report --------------------------------------------------------------------
mkdir -p "$out_dir"
report_args=(--results "$work/results" --configs "$work/config" --out "$out_dir" --command "$command_line"
             --machine "nproc=$(nproc), $(uname -r), load average at the end $(cut -d' ' -f1 /proc/loadavg)")
[[ $docs == 1 ]] && report_args+=(--docs "$root/docs/benchmarks.md" --png "$root/docs/img/compare.png")
/usr/bin/python3 "$root/bench/compare/report.py" "${report_args[@]}"

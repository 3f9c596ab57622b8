#!/usr/bin/env bash
# Store benchmark: three Coxswain masters against a three-member etcd 3.4, both on loopback with fsync on,
# driven by the same load generator (64 clients, 20 s, ~1 KiB objects). Prints key=value lines, last
# ratio=<ours/etcd>. Also: a master's time to /readyz, its idle RSS after the run, and the time from
# killing the leader to the next acknowledged write.
#   usage: bash src/bench/store-bench.sh [SECONDS] [CLIENTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_RUN=${1:-20}
CLIENTS=${2:-64}
JAR=target/node.jar
[ -f "$JAR" ] || mvn -B -q package -DskipTests
command -v etcd >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null; }
WORK=$(mktemp -d /tmp/coxswain-bench.XXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

wait_ready() { # url deadline-seconds
  local end=$((SECONDS + $2))
  until curl -sf "$1" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || { echo "error: $1 not ready after $2 s" >&2; return 1; }
    sleep 0.05
  done
}
now_ms() { date +%s%3N; }
master() { # n
  java -XX:+UseSerialGC -jar "$JAR" --role=master --local-minion=false --node-name=m$1 --address=127.0.0.$1 \
    --data-dir="$WORK/m$1" ${2:+--join=$2} >"$WORK/m$1.log" 2>&1 &
  PIDS+=($!)
  eval "M$1_PID=$!"
}

echo "machine=$(nproc)cpu-$(free -g | awk '/Mem:/{print $2}')GiB"
echo "date=$(date -u +%Y-%m-%d)"
# --- ours
t0=$(now_ms)
master 1
wait_ready http://127.0.0.1:6443/readyz 60
echo "master_ready_ms=$(( $(now_ms) - t0 ))"
master 2 127.0.0.1:6443
wait_ready http://127.0.0.2:6443/readyz 60
master 3 127.0.0.1:6443
wait_ready http://127.0.0.3:6443/readyz 60
java src/bench/java/LoadGen.java pods warm 3 8 http://127.0.0.1:6443 >/dev/null
OURS=$(java src/bench/java/LoadGen.java pods bench "$SECONDS_RUN" "$CLIENTS" http://127.0.0.1:6443,http://127.0.0.2:6443,http://127.0.0.3:6443)
echo "$OURS"
sleep 5 # idle: let the collectors settle before reading resident memory
echo "master_idle_rss_mb=$(( $(awk '/VmRSS/{print $2}' /proc/$M1_PID/status) / 1024 ))"
# failover: kill the leader during a stream of writes
LEADER=$(curl -sf http://127.0.0.1:6443/coxswain/v1/members | python3 -c 'import json,sys; print([m["id"] for m in json.load(sys.stdin)["members"] if m["leader"]][0])')
java src/bench/java/LoadGen.java failover http://127.0.0.1:6443,http://127.0.0.2:6443,http://127.0.0.3:6443 8 > "$WORK/failover.out" &
FO=$!
sleep 2
eval "kill -9 \$${LEADER^^}_PID"
wait $FO
cat "$WORK/failover.out"
for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
PIDS=()

# --- etcd 3.4, three members, fsync on (the default)
CLUSTER="e1=http://127.0.0.1:12380,e2=http://127.0.0.2:12380,e3=http://127.0.0.3:12380"
for n in 1 2 3; do
  etcd --name e$n --data-dir "$WORK/e$n" --listen-peer-urls http://127.0.0.$n:12380 \
    --initial-advertise-peer-urls http://127.0.0.$n:12380 --listen-client-urls http://127.0.0.$n:12379 \
    --advertise-client-urls http://127.0.0.$n:12379 --initial-cluster "$CLUSTER" \
    --initial-cluster-state new --log-level error >"$WORK/e$n.log" 2>&1 &
  PIDS+=($!)
done
for n in 1 2 3; do wait_ready http://127.0.0.$n:12379/health 60; done
java src/bench/java/LoadGen.java etcd warm 3 8 http://127.0.0.1:12379 >/dev/null
ETCD=$(java src/bench/java/LoadGen.java etcd bench "$SECONDS_RUN" "$CLIENTS" http://127.0.0.1:12379,http://127.0.0.2:12379,http://127.0.0.3:12379)
echo "$ETCD"
o=$(echo "$OURS" | awk -F= '/ours_ops_per_s/{print $2}')
e=$(echo "$ETCD" | awk -F= '/etcd_ops_per_s/{print $2}')
echo "ratio=$(awk -v o="$o" -v e="$e" 'BEGIN{printf "%.2f", (e>0? o/e : 0)}')"

#!/usr/bin/env bash
# Store benchmark: three Coxswain masters against a three-member etcd 3.4, both on loopback with fsync on,
# driven by the same load generator (64 clients, 20 s, ~1 KiB objects). Prints key=value lines, last
# ratio=<ours/etcd>. Also: a master's time to /readyz, its idle RSS after the run, and the time from
# killing the leader to the next acknowledged write. With each system's rate, the CPU time its three members
# spent per write over the measured run (*_server_cpu_ms_per_op) and how busy the machine was
# (*_machine_busy_pct): on a machine the members and the generator share, the rate follows the CPU per write.
#   usage: bash src/bench/store-bench.sh [SECONDS] [CLIENTS] [WARM_SECONDS]
#   env:   BENCH_NET=127.0.4 (members bind $BENCH_NET.1-3), BENCH_API_PORT=6443, BENCH_PEER_PORT=2380,
#          BENCH_ETCD_PORT=12379 (client; peer is +1), JAVA_OPTS (extra JVM flags for the masters)
# The masters run as documented, through the launcher packaging/coxswain (its node JVM flags and its
# class-data sharing archive of the jar, which the launcher records on a master's first clean stop: the
# script starts and stops one master once before measuring, as any earlier run of the launcher would have).
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_RUN=${1:-20}
CLIENTS=${2:-64}
# Both systems get the same warm-up before the measured run: WARM_SECONDS of the same load on every member,
# from the generator process that then measures, over the connections it keeps (its own JIT warms up too).
# Ours is a JVM whose JIT compiles each member's request path on first use (a follower's API path too, so
# the warm-up writes through all three); without it the 20 s run mostly measures compilation.
WARM_SECONDS=${3:-10}
NET=${BENCH_NET:-127.0.4}
API_PORT=${BENCH_API_PORT:-6443}
PEER_PORT=${BENCH_PEER_PORT:-2380}
ETCD_PORT=${BENCH_ETCD_PORT:-12379}
ETCD_PEER_PORT=$((ETCD_PORT + 1))
API1=$NET.1:$API_PORT
SERVERS=https://$NET.1:$API_PORT,https://$NET.2:$API_PORT,https://$NET.3:$API_PORT
JAR=target/node.jar
[ -f "$JAR" ] || mvn -B -q package -DskipTests
command -v etcd >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null; }
WORK=$(mktemp -d /tmp/coxswain-bench.XXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

wait_ready() { # url deadline-seconds
  local end=$((SECONDS + $2))
  until curl -sfk "$1" >/dev/null 2>&1; do # readiness only (open to anyone): no credentials sent
    [ $SECONDS -lt $end ] || { echo "error: $1 not ready after $2 s" >&2; return 1; }
    sleep 0.05
  done
}
now_ms() { date +%s%3N; }
# a simple command (the launcher execs java), so that $! is the JVM
LAUNCH=(env COXSWAIN_JAR="$JAR" XDG_CACHE_HOME="$WORK/cache" COXSWAIN_JAVA_OPTS="${JAVA_OPTS:-}" packaging/coxswain)
master() { # n
  "${LAUNCH[@]}" --role=master --local-minion=false --node-name=m$1 --address=$NET.$1 \
    --api-port=$API_PORT --peer-port=$PEER_PORT --data-dir="$WORK/m$1" ${2:+--join=$2 --token=$(token)} >"$WORK/m$1.log" 2>&1 &
  PIDS+=($!)
  eval "M$1_PID=$!"
}

token() { # a master join token made by the first master
  curl -sf "${TLS[@]}" -XPOST -H 'Content-Type: application/json' https://$API1/coxswain/v1/tokens \
    -d '{"role":"master","ttlSeconds":3600}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

echo "machine=$(nproc)cpu-$(free -g | awk '/Mem:/{print $2}')GiB"
echo "date=$(date -u +%Y-%m-%d)"
echo "warm_seconds=$WARM_SECONDS"
# --- ours
# the launcher's first run of this jar: a master started and stopped cleanly records the class archive
"${LAUNCH[@]}" --role=master --local-minion=false --node-name=m0 --address=$NET.1 --api-port=$API_PORT \
  --peer-port=$PEER_PORT --data-dir="$WORK/m0" >"$WORK/m0.log" 2>&1 &
TRAIN=$!
PIDS+=($TRAIN)
wait_ready https://$API1/readyz 60
kill -TERM $TRAIN
wait $TRAIN || true
t0=$(now_ms)
master 1
wait_ready https://$API1/readyz 60
echo "master_ready_ms=$(( $(now_ms) - t0 ))"
export COXSWAIN_PKI="$WORK/m1/pki" # the first master's admin certificate, for curl and LoadGen
TLS=(--cacert "$COXSWAIN_PKI/ca.crt" --cert "$COXSWAIN_PKI/admin.crt" --key "$COXSWAIN_PKI/admin.key")
master 2 $API1
wait_ready https://$NET.2:$API_PORT/readyz 60
master 3 $API1
wait_ready https://$NET.3:$API_PORT/readyz 60
export BENCH_CLK_TCK=$(getconf CLK_TCK)
OURS=$(BENCH_SERVER_PIDS=$M1_PID,$M2_PID,$M3_PID java src/bench/java/LoadGen.java pods bench "$SECONDS_RUN" "$CLIENTS" "$SERVERS" "$WARM_SECONDS")
echo "$OURS"
sleep 10 # idle: a node gives its heap back after 5 s of quiet (IdleHeapTrim); read resident memory after that
echo "master_idle_rss_mb=$(( $(awk '/VmRSS/{print $2}' /proc/$M1_PID/status) / 1024 ))"
# failover: kill the leader during a stream of writes
LEADER=$(curl -sf "${TLS[@]}" https://$API1/coxswain/v1/members | python3 -c 'import json,sys; print([m["id"] for m in json.load(sys.stdin)["members"] if m["leader"]][0])')
java src/bench/java/LoadGen.java failover "$SERVERS" 8 > "$WORK/failover.out" &
FO=$!
sleep 2
eval "kill -9 \$${LEADER^^}_PID"
wait $FO
cat "$WORK/failover.out"
for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
PIDS=()

# --- etcd 3.4, three members, fsync on (the default)
ETCD_PIDS=()
CLUSTER="e1=http://$NET.1:$ETCD_PEER_PORT,e2=http://$NET.2:$ETCD_PEER_PORT,e3=http://$NET.3:$ETCD_PEER_PORT"
for n in 1 2 3; do
  etcd --name e$n --data-dir "$WORK/e$n" --listen-peer-urls http://$NET.$n:$ETCD_PEER_PORT \
    --initial-advertise-peer-urls http://$NET.$n:$ETCD_PEER_PORT --listen-client-urls http://$NET.$n:$ETCD_PORT \
    --advertise-client-urls http://$NET.$n:$ETCD_PORT --initial-cluster "$CLUSTER" \
    --initial-cluster-state new --log-level error >"$WORK/e$n.log" 2>&1 &
  PIDS+=($!)
  ETCD_PIDS+=($!)
done
for n in 1 2 3; do wait_ready http://$NET.$n:$ETCD_PORT/health 60; done
ETCD_SERVERS=http://$NET.1:$ETCD_PORT,http://$NET.2:$ETCD_PORT,http://$NET.3:$ETCD_PORT
ETCD=$(BENCH_SERVER_PIDS=$(IFS=,; echo "${ETCD_PIDS[*]}") java src/bench/java/LoadGen.java etcd bench "$SECONDS_RUN" "$CLIENTS" "$ETCD_SERVERS" "$WARM_SECONDS")
echo "$ETCD"
o=$(echo "$OURS" | awk -F= '/ours_ops_per_s/{print $2}')
e=$(echo "$ETCD" | awk -F= '/etcd_ops_per_s/{print $2}')
echo "ratio=$(awk -v o="$o" -v e="$e" 'BEGIN{printf "%.2f", (e>0? o/e : 0)}')"

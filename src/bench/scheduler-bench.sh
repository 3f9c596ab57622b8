#!/usr/bin/env bash
# Scheduler benchmark: masters with no local minion (--local-minion=false), NODES hollow nodes (fake runtime)
# in two minion processes, and RCS replication controllers of REPLICAS pods each (default 100 x 100 = 10,000
# pods on 1,000 nodes). Run with one master, then with three. Prints key=value lines (prefixed m1_/m3_),
# last pods_per_s=<one master>. Figures: pods bound per second from the first create to the last binding,
# p50/p99 per-pod time to binding (watch wall clock, and creationTimestamp -> PodScheduled), time to all
# Running, the leader's RSS with the pods and nodes, and the p50/p99 latency of listing all pods.
#
# Hollow nodes heartbeat every HEARTBEAT (default 20s, not the 3s default: 1,000 nodes at 3 s would be 333
# Node status writes/s before any pod is created), so the masters get a matching --node-monitor-grace and a
# long --pod-eviction-timeout. Addresses: 127.0.9.1-3 (masters), 127.0.9.11-12 (hollow minion processes).
#
# The hollow minion processes run at CPU priority nice HOLLOW_NICE (default 10; 0 for none). They stand for
# kubelets on 1,000 other machines, as kubemark's hollow nodes run apart from the master they load; here they
# share the master's cores, and at equal priority they took about 40 % of the machine in the pod phase. They still
# do all their work (watches, syncs, every pod's status written Running): the bench prints the time to all
# Running and the CPU the masters and the hollow processes used while its client ran (cpu_s_*).
#   usage: bash src/bench/scheduler-bench.sh [NODES] [RCS] [REPLICAS] [MASTER_COUNTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
NODES=${1:-1000}
RCS=${2:-100}
REPLICAS=${3:-100}
MASTER_COUNTS=${4:-"1 3"}
HEARTBEAT=${HEARTBEAT:-20s}
HOLLOW_NICE=${HOLLOW_NICE:-10}
JAR=target/node.jar
[ -f "$JAR" ] || mvn -B -q -o package -DskipTests
WORK=$(mktemp -d /tmp/coxswain-sched-bench.XXXX)
PIDS=()
stop_all() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done; PIDS=(); }
cleanup() { stop_all; rm -rf "$WORK"; }
trap cleanup EXIT
# nodes run as documented: through the launcher (its node JVM flags; a simple command, so $! is the JVM)
LAUNCH=(env COXSWAIN_JAR="$JAR" XDG_CACHE_HOME="$WORK/cache" packaging/coxswain)

wait_ready() { # url deadline-seconds
  local end=$((SECONDS + $2))
  until curl -sfk "$1" >/dev/null 2>&1; do # readiness only (open to anyone): no credentials sent
    [ $SECONDS -lt $end ] || { echo "error: $1 not ready after $2 s" >&2; return 1; }
    sleep 0.2
  done
}
rss_mb() { echo $(( $(awk '/VmRSS/{print $2}' /proc/$1/status) / 1024 )); }
cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
HZ=$(getconf CLK_TCK)
ready_nodes() {
  curl -sf "${TLS[@]}" "https://127.0.9.1:6443/api/v1/nodes" | python3 -c '
import json,sys
n=json.load(sys.stdin)["items"]
print(sum(1 for x in n if any(c["type"]=="Ready" and c["status"]=="True" for c in x.get("status",{}).get("conditions",[]))))' 2>/dev/null || echo 0
}
master() { # n [join]
  "${LAUNCH[@]}" --role=master --local-minion=false --node-name=bm$1 --address=127.0.9.$1 \
    --node-monitor-grace=120s --pod-eviction-timeout=30m \
    --data-dir="$WORK/run$RUN/m$1" ${2:+--join=$2 --token=$(token master)} >"$WORK/run$RUN-m$1.log" 2>&1 &
  PIDS+=($!)
  eval "M$1_PID=$!"
}
token() { # role: a join token made by the first master
  curl -sf "${TLS[@]}" -XPOST -H 'Content-Type: application/json' https://127.0.9.1:6443/coxswain/v1/tokens \
    -d "{\"role\":\"$1\",\"ttlSeconds\":7200}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
hollow() { # n count
  nice -n "$HOLLOW_NICE" "${LAUNCH[@]}" --role=minion --hollow=$2 --heartbeat="$HEARTBEAT" --node-name=bh$1 --address=127.0.9.1$1 \
    --join=127.0.9.1:6443 --token="$(token minion)" --data-dir="$WORK/run$RUN/h$1" >"$WORK/run$RUN-h$1.log" 2>&1 &
  PIDS+=($!)
  eval "H$1_PID=$!"
}

echo "machine=$(nproc)cpu-$(free -g | awk '/Mem:/{print $2}')GiB"
echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
echo "nodes=$NODES pods=$((RCS * REPLICAS)) heartbeat=$HEARTBEAT hollow_nice=$HOLLOW_NICE"
FIRST=""
RUN=0
for MASTERS in $MASTER_COUNTS; do
  RUN=$((RUN + 1))
  p="m${MASTERS}_"
  master 1
  wait_ready https://127.0.9.1:6443/readyz 120
  PKI="$WORK/run$RUN/m1/pki" # the first master's admin certificate
  TLS=(--cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key")
  for n in $(seq 2 "$MASTERS"); do master "$n" 127.0.9.1:6443; wait_ready "https://127.0.9.$n:6443/readyz" 120; done
  half=$((NODES / 2))
  hollow 1 $half
  hollow 2 $((NODES - half))
  end=$((SECONDS + 300))
  until [ "$(ready_nodes)" -ge "$NODES" ]; do
    [ $SECONDS -lt $end ] || { echo "error: only $(ready_nodes) of $NODES nodes ready" >&2; exit 1; }
    sleep 2
  done
  echo "${p}nodes_ready=$(ready_nodes)"
  echo "${p}load_start=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
  MASTER_PIDS=()
  for n in $(seq 1 "$MASTERS"); do eval "MASTER_PIDS+=(\$M${n}_PID)"; done
  c0m=$(cpu_ticks "${MASTER_PIDS[@]}")
  c0h=$(cpu_ticks "$H1_PID" "$H2_PID")
  OUT=$(COXSWAIN_PKI="$PKI" java -cp "$JAR" src/bench/java/io/coxswain/bench/SchedulerBench.java https://127.0.9.1:6443 "$RCS" "$REPLICAS" bench 900 \
    2> >(tee "$WORK/driver$RUN.err" >&2))
  # CPU seconds over the bench's run (from before the first create to after the listings)
  echo "${p}cpu_s_masters=$(awk -v t=$(( $(cpu_ticks "${MASTER_PIDS[@]}") - c0m )) -v hz="$HZ" 'BEGIN{printf "%.1f", t / hz}')"
  echo "${p}cpu_s_hollows=$(awk -v t=$(( $(cpu_ticks "$H1_PID" "$H2_PID") - c0h )) -v hz="$HZ" 'BEGIN{printf "%.1f", t / hz}')"
  echo "$OUT" | sed "s/^/$p/"
  echo "${p}load_end=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
  echo "${p}master1_rss_mb=$(rss_mb "$M1_PID")"
  echo "${p}hollow_rss_mb=$(( $(rss_mb "$H1_PID") + $(rss_mb "$H2_PID") ))"
  [ -n "$FIRST" ] || FIRST=$(echo "$OUT" | awk -F= '/^pods_per_s=/{print $2}')
  stop_all
  sleep 1
done
echo "pods_per_s=$FIRST"

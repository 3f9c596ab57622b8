#!/usr/bin/env bash
# Kubelet benchmark: a master on 127.0.9.1 with its local minion on the real Docker engine, started through the
# launcher (packaging/coxswain) as installed nodes are. COUNT pods
# (coxswain/busybox:1, sleep 3600) are created with spec.nodeName set, serially; for each, the time from the
# create request to the pod being Running, p50/p99/total: one curl creates it, a second watches it from the
# create's resourceVersion until it shows Running (as `kubectl wait` does). Then `docker run -d` of the same
# image and command, serially (one docker command creates and starts it, a second inspects it running) and 8
# in parallel. Last line ratio=<ours/docker serial p50> (ours includes the
# pod's infra container). Also: a --role=minion process's idle RSS with JVM flag sets, and with --hollow=N its
# memory per hollow node. Every container is removed at the end.
#   usage: bash src/bench/kubelet-bench.sh [COUNT] [HOLLOW]
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=${1:-50}
HOLLOW=${2:-1000}
JAR=target/node.jar
API=https://127.0.9.1:6443
[ -f "$JAR" ] || mvn -B -q -o package -DskipTests
WORK=$(mktemp -d /tmp/coxswain-kubelet-bench.XXXX)
PIDS=()
TAG="kbench$$"
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  sleep 2
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  docker ps -aq --filter "name=$TAG" --filter "name=kbm1" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker ps -aq --filter "label=io.coxswain.node=kbm1" | xargs -r docker rm -f >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
now_ms() { date +%s%3N; }
rss_mb() { echo $(( $(awk '/VmRSS/{print $2}' /proc/$1/status) / 1024 )); }
wait_ready() {
  local end=$((SECONDS + $2))
  until curl -sfk "$1" >/dev/null 2>&1; do # readiness only (open to anyone): no credentials sent
    [ $SECONDS -lt $end ] || { echo "error: $1 not ready after $2 s" >&2; return 1; }
    sleep 0.2
  done
}
stats() { # prefix file-of-ms
  sort -n "$2" | awk -v p="$1" '{a[NR]=$1; s+=$1} END {
    i50=int(0.5*NR+0.999); i99=int(0.99*NR+0.999); if(i50<1)i50=1; if(i99<1)i99=1;
    printf "%s_p50_ms=%d\n%s_p99_ms=%d\n", p, a[i50], p, a[i99] }'
}
# Waits for pod $1 to be Running the way a Kubernetes client does (kubectl wait): a watch of the pod from
# the create's resourceVersion $2, read until an event shows it Running. One connection, no polling.
wait_running() {
  local line found=""
  exec 3< <(curl -sfN "${TLS[@]}" "$API/api/v1/namespaces/default/pods?watch=true&fieldSelector=metadata.name%3D$1&resourceVersion=$2&timeoutSeconds=120")
  local watcher=$!
  while IFS= read -r -u 3 line; do
    case $line in *'"phase":"Running"'*) found=1; break ;; esac
  done
  kill "$watcher" 2>/dev/null || true
  exec 3<&-
  [ -n "$found" ] || { echo "error: pod $1 not Running within 120 s" >&2; exit 1; }
}
pod_json() {
  printf '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s"},"spec":{"nodeName":"kbm1","containers":[{"name":"c","image":"coxswain/busybox:1","command":["sleep","3600"]}]}}' "$1"
}

echo "machine=$(nproc)cpu-$(free -g | awk '/Mem:/{print $2}')GiB"
echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
# every node runs the loopback proxy: the kubelet is measured, not the proxy (the default, auto, would be
# iptables as root), and no iptables rule outlives a node the clean-up kills
env COXSWAIN_JAR="$JAR" XDG_CACHE_HOME="$WORK/cache" packaging/coxswain --role=master --node-name=kbm1 --address=127.0.9.1 \
  --data-dir="$WORK/m1" --proxy-mode=loopback >"$WORK/m1.log" 2>&1 &
PIDS+=($!)
wait_ready $API/readyz 240
# the master's admin certificate, and a join token for the minions
TLS=(--cacert "$WORK/m1/pki/ca.crt" --cert "$WORK/m1/pki/admin.crt" --key "$WORK/m1/pki/admin.key")
TOKEN=$(curl -sf "${TLS[@]}" -XPOST -H 'Content-Type: application/json' $API/coxswain/v1/tokens \
  -d '{"role":"minion","ttlSeconds":7200}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
end=$((SECONDS + 300))
until curl -sf "${TLS[@]}" $API/api/v1/nodes/kbm1 | python3 -c 'import json,sys; sys.exit(0 if any(c["type"]=="Ready" and c["status"]=="True" for c in json.load(sys.stdin)["status"].get("conditions",[])) else 1)' 2>/dev/null; do
  [ $SECONDS -lt $end ] || { echo "error: node kbm1 not Ready"; tail -20 "$WORK/m1.log"; } >&2 && [ $SECONDS -lt $end ] || exit 1
  sleep 0.5
done
# warm-up pod (image cache, infra image, JIT)
curl -sf "${TLS[@]}" -XPOST -H 'Content-Type: application/json' $API/api/v1/namespaces/default/pods -d "$(pod_json warm)" >/dev/null
until curl -sf "${TLS[@]}" $API/api/v1/namespaces/default/pods/warm | grep -q '"phase":"Running"'; do sleep 0.1; done
: >"$WORK/ours.ms"
t_all=$(now_ms)
for i in $(seq 1 "$COUNT"); do
  t=$(now_ms)
  wait_running "p$i" "$(curl -sf "${TLS[@]}" -XPOST -H 'Content-Type: application/json' $API/api/v1/namespaces/default/pods \
    -d "$(pod_json "p$i")" | grep -o '"resourceVersion":"[0-9]*"' | head -1 | cut -d'"' -f4)"
  echo $(( $(now_ms) - t )) >>"$WORK/ours.ms"
done
echo "ours_total_ms=$(( $(now_ms) - t_all ))"
stats ours "$WORK/ours.ms"
echo "load_ours=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
# docker run -d, serially: it returns once the container is started, and one inspect sees it running
: >"$WORK/docker.ms"
t_all=$(now_ms)
for i in $(seq 1 "$COUNT"); do
  t=$(now_ms)
  docker run -d --name "${TAG}-s$i" coxswain/busybox:1 sleep 3600 >/dev/null
  until [ "$(docker inspect -f '{{.State.Running}}' "${TAG}-s$i")" = true ]; do sleep 0.05; done
  echo $(( $(now_ms) - t )) >>"$WORK/docker.ms"
done
echo "docker_serial_total_ms=$(( $(now_ms) - t_all ))"
stats docker_serial "$WORK/docker.ms"
t_all=$(now_ms)
seq 1 "$COUNT" | xargs -P 8 -I{} docker run -d --name "${TAG}-p{}" coxswain/busybox:1 sleep 3600 >/dev/null
echo "docker_parallel8_total_ms=$(( $(now_ms) - t_all ))"
echo "load_docker=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
OURS_P50=$(sort -n "$WORK/ours.ms" | awk '{a[NR]=$1} END{print a[int(0.5*NR+0.999)]}')
DOCKER_P50=$(sort -n "$WORK/docker.ms" | awk '{a[NR]=$1} END{print a[int(0.5*NR+0.999)]}')
docker ps -aq --filter "name=$TAG" | xargs -r docker rm -f >/dev/null 2>&1 || true

# idle minion memory, per JVM flag set (each minion joins the master above)
n=0
for FLAGS in "" "-XX:+UseSerialGC" "-XX:+UseSerialGC -Xss256k -XX:TieredStopAtLevel=1" \
    "-XX:+UseSerialGC -Xss256k -XX:TieredStopAtLevel=1 -Xmx64m -XX:MaxMetaspaceSize=96m -XX:ReservedCodeCacheSize=32m"; do
  n=$((n + 1))
  java $FLAGS -jar "$JAR" --role=minion --node-name=kbn$n --address=127.0.9.2$n --kubelet-port=10250 \
    --join=127.0.9.1:6443 --token="$TOKEN" --data-dir="$WORK/n$n" --proxy-mode=loopback >"$WORK/n$n.log" 2>&1 &
  P=$!
  PIDS+=($P)
  end=$((SECONDS + 90))
  until curl -sf "${TLS[@]}" $API/api/v1/nodes/kbn$n >/dev/null; do [ $SECONDS -lt $end ] || break; sleep 0.5; done
  sleep 15
  echo "minion_idle_rss_mb{flags=\"${FLAGS:-default}\"}=$(rss_mb $P)"
  kill $P 2>/dev/null || true
done
# the same through the launcher (packaging/coxswain, the way installed nodes run): a first run records its
# class-data archive, the second is measured
for run in record measure; do
  n=$((n + 1))
  COXSWAIN_JAR="$JAR" XDG_CACHE_HOME="$WORK/cache" packaging/coxswain --role=minion --node-name=kbn$n \
    --address=127.0.9.2$n --kubelet-port=10250 --join=127.0.9.1:6443 --token="$TOKEN" --data-dir="$WORK/n$n" --proxy-mode=loopback \
    >"$WORK/n$n.log" 2>&1 &
  P=$!
  PIDS+=($P)
  end=$((SECONDS + 90))
  until curl -sf "${TLS[@]}" $API/api/v1/nodes/kbn$n >/dev/null; do [ $SECONDS -lt $end ] || break; sleep 0.5; done
  sleep 15
  [ $run = measure ] && echo "minion_idle_rss_mb{flags=\"launcher\"}=$(rss_mb $P)"
  kill $P 2>/dev/null || true
  wait $P 2>/dev/null || true
done
# hollow nodes: memory per node
java -XX:+UseSerialGC -jar "$JAR" --role=minion --hollow="$HOLLOW" --heartbeat=20s --node-name=kbh --address=127.0.9.30 \
  --join=127.0.9.1:6443 --token="$TOKEN" --data-dir="$WORK/h" >"$WORK/h.log" 2>&1 &
P=$!
PIDS+=($P)
end=$((SECONDS + 300))
until grep -q "hollow minions running" "$WORK/h.log"; do [ $SECONDS -lt $end ] || break; sleep 1; done
sleep 15
echo "hollow_nodes=$HOLLOW"
echo "hollow_process_rss_mb=$(rss_mb $P)"
echo "hollow_rss_kb_per_node=$(( $(awk '/VmRSS/{print $2}' /proc/$P/status) / HOLLOW ))"
echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
echo "ratio=$(awk -v o="$OURS_P50" -v d="$DOCKER_P50" 'BEGIN{printf "%.2f", (d>0? o/d : 0)}')"

#!/usr/bin/env bash
# CLI start-time benchmark: wall time of `get pods` (10 pods, TLS with the admin kubeconfig's client
# certificate) against a one-node master started here (--local-minion=false, $CLI_BENCH_ADDRESS, default
# 127.0.22.1), with kubectl 1.32 as the baseline in the same run. Variants, run interleaved (one run of each
# per round, so a busy machine slows them alike):
#   kubectl          kubectl get pods
#   launcher         packaging/coxswain get pods: C1, serial GC, the static class-data sharing archive its
#                    background training run wrote (the first run, which starts that training, is timed apart)
#   jar_plain        java -jar target/node.jar get pods (the JDK's default CDS archive only)
# With BASELINE_JAR=path (a jar built from an older commit) and optionally BASELINE_LAUNCHER=path (that commit's
# packaging/coxswain), also launcher_baseline and jar_plain_baseline, for a before/after in the same run.
# Prints key=value lines: per variant the wall p50/p90 and the CPU time p50 (user+sys, less sensitive to other
# load than the wall time), ratio_launcher_to_kubectl and, with a baseline, ratio_launcher_to_baseline.
#   usage: bash src/bench/cli-bench.sh [RUNS]      (RUNS warm runs per variant, default 20)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-20}
JAR=$PWD/target/node.jar
ADDRESS=${CLI_BENCH_ADDRESS:-127.0.22.1}
API=https://$ADDRESS:6443
[ -f "$JAR" ] || mvn -B -q -o package -DskipTests
command -v kubectl >/dev/null || { echo "error: kubectl not found" >&2; exit 1; }
WORK=$(mktemp -d /tmp/coxswain-cli-bench.XXXX)
MASTER=
cleanup() {
  if [ -n "$MASTER" ]; then
    kill "$MASTER" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$MASTER" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$MASTER" 2>/dev/null || true
  fi
  # a training run the launchers started in the background: wait for it (it ends by itself)
  for _ in $(seq 1 150); do ls "$WORK"/cache*/coxswain/*.lock >/dev/null 2>&1 || break; sleep 0.2; done
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "machine=$(nproc)cpu-$(free -g | awk '/Mem:/{print $2}')GiB"
echo "java=$(java -version 2>&1 | head -1 | tr ' ' _)"
echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
java -jar "$JAR" --role=master --node-name=clibench --address="$ADDRESS" --local-minion=false \
  --service-cidr="${ADDRESS%.*}.224/27" --data-dir="$WORK/m1" >"$WORK/m1.log" 2>&1 &
MASTER=$!
end=$((SECONDS + 240))
until curl -sfk "$API/readyz" >/dev/null 2>&1; do # readiness is open to anyone
  [ $SECONDS -lt $end ] || { echo "error: master not ready" >&2; tail -20 "$WORK/m1.log" >&2; exit 1; }
  sleep 0.2
done
# the master's admin kubeconfig for every client below, and its certificate for curl
export KUBECONFIG="$WORK/m1/admin.kubeconfig"
TLS=(--cacert "$WORK/m1/pki/ca.crt" --cert "$WORK/m1/pki/admin.crt" --key "$WORK/m1/pki/admin.key")
until curl -sf "${TLS[@]}" "$API/api/v1/namespaces/default" >/dev/null 2>&1; do
  [ $SECONDS -lt $end ] || { echo "error: no default namespace" >&2; exit 1; }
  sleep 0.2
done
for i in $(seq 1 10); do
  curl -sf "${TLS[@]}" -XPOST -H 'Content-Type: application/json' "$API/api/v1/namespaces/default/pods" \
    -d "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"bench-$i\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"coxswain/busybox:1\"}]}}" >/dev/null
done

# one timed run: appends "wall_ms cpu_ms" to $WORK/NAME.ms; the command must list the pods
timed() { # name command...
  local name=$1 t0 t1 cpu=0; shift
  t0=$(date +%s%N)
  if [ -x /usr/bin/time ]; then # GNU time: the CPU time too
    /usr/bin/time -o "$WORK/time" -f "%U %S" "$@" >"$WORK/last.out" 2>"$WORK/last.err" \
      || { echo "error: $* failed: $(head -1 "$WORK/last.err")" >&2; exit 1; }
    cpu=$(awk '{printf "%d", ($1 + $2) * 1000}' "$WORK/time")
  else
    "$@" >"$WORK/last.out" 2>"$WORK/last.err" || { echo "error: $* failed: $(head -1 "$WORK/last.err")" >&2; exit 1; }
  fi
  t1=$(date +%s%N)
  grep -q '^bench-10 ' "$WORK/last.out" || { echo "error: $* did not list the pods" >&2; exit 1; }
  echo "$(( (t1 - t0) / 1000000 )) $cpu" >>"$WORK/$name.ms"
}
summary() { # name
  sort -n -k1 "$WORK/$1.ms" | awk -v p="$1" '{w[NR]=$1} END {
    i=int(0.5*NR+0.999); j=int(0.9*NR+0.999); if(i<1)i=1; if(j<1)j=1;
    printf "%s_p50_ms=%d\n%s_p90_ms=%d\n", p, w[i], p, w[j]}'
  sort -n -k2 "$WORK/$1.ms" | awk -v p="$1" '{c[NR]=$2} END {i=int(0.5*NR+0.999); if(i<1)i=1;
    printf "%s_cpu_p50_ms=%d\n", p, c[i]}'
}

NAMES=(kubectl launcher jar_plain)
declare -A CMD
CMD[kubectl]="kubectl get pods"
CMD[launcher]="env XDG_CACHE_HOME=$WORK/cache COXSWAIN_JAR=$JAR sh packaging/coxswain get pods"
CMD[jar_plain]="java -jar $JAR get pods"
if [ -n "${BASELINE_JAR:-}" ]; then
  cp "$BASELINE_JAR" "$WORK/baseline.jar" # its own path and stamp, so its archive is its own
  if [ -n "${BASELINE_LAUNCHER:-}" ]; then cp "$BASELINE_LAUNCHER" "$WORK/coxswain-baseline"
  else cp packaging/coxswain "$WORK/coxswain-baseline"; fi
  NAMES+=(launcher_baseline jar_plain_baseline)
  CMD[launcher_baseline]="env XDG_CACHE_HOME=$WORK/cache-baseline COXSWAIN_JAR=$WORK/baseline.jar sh $WORK/coxswain-baseline get pods"
  CMD[jar_plain_baseline]="java -jar $WORK/baseline.jar get pods"
fi

# first runs: a launcher without an archive yet (it starts its training in the background, or, for an
# older launcher, writes its archive at exit); then wait until every training has written its archive
for n in "${NAMES[@]}"; do
  timed "$n-first" ${CMD[$n]}
  echo "${n}_first_ms=$(cut -d' ' -f1 "$WORK/$n-first.ms")"
done
t0=$SECONDS
until ! ls "$WORK"/cache*/coxswain/*.lock >/dev/null 2>&1; do
  [ $((SECONDS - t0)) -lt 120 ] || { echo "error: the launcher's training did not finish in 120 s" >&2; exit 1; }
  sleep 0.2
done
echo "launcher_training_s=$((SECONDS - t0))"
archive=$(ls "$WORK"/cache/coxswain/*-client.jsa 2>/dev/null | head -1 || true)
echo "launcher_archive_mb=$([ -n "$archive" ] && echo $(( $(stat -c %s "$archive") / 1048576 )) || echo none)"
# warm runs, interleaved
for _ in $(seq 1 "$RUNS"); do
  for n in "${NAMES[@]}"; do timed "$n" ${CMD[$n]}; done
done
for n in "${NAMES[@]}"; do summary "$n" | tee -a "$WORK/results"; done
diff <(kubectl get pods | awk '{print $1, $2, $3}') <(java -jar "$JAR" get pods | awk '{print $1, $2, $3}') >/dev/null \
  && echo "same_table_as_kubectl=yes" || echo "same_table_as_kubectl=no"
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
p50() { awk -F= -v k="$1_p50_ms" '$1==k{print $2}' "$WORK/results"; }
awk -v l="$(p50 launcher)" -v k="$(p50 kubectl)" -v p="$(p50 jar_plain)" 'BEGIN {
  printf "ratio_launcher_to_kubectl=%.2f\nratio_plain_to_launcher=%.2f\n", l / k, p / l }'
if [ -n "${BASELINE_JAR:-}" ]; then
  awk -v l="$(p50 launcher)" -v b="$(p50 launcher_baseline)" -v p="$(p50 jar_plain)" -v pb="$(p50 jar_plain_baseline)" 'BEGIN {
    printf "ratio_launcher_to_baseline=%.2f\nratio_plain_to_baseline=%.2f\n", l / b, p / pb }'
fi

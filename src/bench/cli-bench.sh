#!/usr/bin/env bash
# CLI start-time benchmark: wall time of `get pods` (10 pods) against a running master on 127.0.11.5
# (--local-minion=false), with kubectl 1.32 as the baseline in the same run. Each variant runs once "first"
# (the first run of this variant in this run; for the launcher that run also writes the class-data sharing
# archive) and then RUNS times "warm" (p50 and min). Variants:
#   jar_plain        java -jar target/node.jar get pods (the JDK's default CDS archive only)
#   jar_noshare      the same with -Xshare:off (no class-data sharing at all)
#   jar_c1           the launcher's flags (-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k) without AppCDS
#   launcher         packaging/coxswain: those flags and the AppCDS archive of the jar's classes
# Last lines: ratio_launcher_to_kubectl and ratio_plain_to_launcher, on the warm p50s.
#   usage: bash src/bench/cli-bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-10}
JAR=$PWD/target/node.jar
API=https://127.0.11.5:6443
[ -f "$JAR" ] || mvn -B -q -o package -DskipTests
WORK=$(mktemp -d /tmp/coxswain-cli-bench.XXXX)
MASTER=
cleanup() {
  if [ -n "$MASTER" ]; then
    kill "$MASTER" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$MASTER" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$MASTER" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
now_ns() { date +%s%N; }

echo "machine=$(nproc)cpu-$(free -g | awk '/Mem:/{print $2}')GiB"
echo "java=$(java -version 2>&1 | head -1 | tr ' ' _)"
echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
java -jar "$JAR" --role=master --node-name=clibench --address=127.0.11.5 --local-minion=false \
  --service-cidr=127.0.11.224/27 --data-dir="$WORK/m1" >"$WORK/m1.log" 2>&1 &
MASTER=$!
end=$((SECONDS + 240))
until curl -sfk $API/readyz >/dev/null 2>&1; do # readiness is open to anyone
  [ $SECONDS -lt $end ] || { echo "error: master not ready" >&2; tail -20 "$WORK/m1.log" >&2; exit 1; }
  sleep 0.2
done
# the master's admin kubeconfig for every client below, and its certificate for curl
export KUBECONFIG="$WORK/m1/admin.kubeconfig"
TLS=(--cacert "$WORK/m1/pki/ca.crt" --cert "$WORK/m1/pki/admin.crt" --key "$WORK/m1/pki/admin.key")
until curl -sf "${TLS[@]}" $API/api/v1/namespaces/default >/dev/null 2>&1; do sleep 0.2; done
for i in $(seq 1 10); do
  curl -sf "${TLS[@]}" -XPOST -H 'Content-Type: application/json' $API/api/v1/namespaces/default/pods \
    -d "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"bench-$i\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"coxswain/busybox:1\"}]}}" >/dev/null
done

# one timed run: prints ms; the command's stdout goes to $WORK/last.out and must list the pods
timed() {
  local t0 t1
  t0=$(now_ns)
  "$@" >"$WORK/last.out" 2>"$WORK/last.err" || { echo "error: $* failed: $(head -1 "$WORK/last.err")" >&2; exit 1; }
  t1=$(now_ns)
  grep -q '^bench-10 ' "$WORK/last.out" || { echo "error: $* did not list the pods" >&2; exit 1; }
  echo $(( (t1 - t0) / 1000000 ))
}
measure() { # name command...
  local name=$1; shift
  echo "${name}_first_ms=$(timed "$@")"
  : >"$WORK/$name.ms"
  for _ in $(seq 1 "$RUNS"); do timed "$@" >>"$WORK/$name.ms"; done
  sort -n "$WORK/$name.ms" | awk -v p="$name" '{a[NR]=$1} END {i=int(0.5*NR+0.999); if(i<1)i=1;
    printf "%s_p50_ms=%d\n%s_min_ms=%d\n", p, a[i], p, a[1]}' | tee -a "$WORK/results"
}
p50() { awk -F= -v k="$1_p50_ms" '$1==k{print $2}' "$WORK/results"; }

measure kubectl kubectl get pods --server=$API
measure jar_plain java -jar "$JAR" get pods --server=$API
measure jar_noshare java -Xshare:off -jar "$JAR" get pods --server=$API
measure jar_c1 java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -jar "$JAR" get pods --server=$API
# a fresh cache: the launcher's first run writes the archive (JDK 19+: at exit of that run)
export XDG_CACHE_HOME="$WORK/cache"
measure launcher env COXSWAIN_JAR="$JAR" sh packaging/coxswain get pods --server=$API
archive=$(ls "$WORK"/cache/coxswain/*.jsa 2>/dev/null | head -1 || true)
echo "launcher_archive_mb=$([ -n "$archive" ] && echo $(( $(stat -c %s "$archive") / 1048576 )) || echo none)"
diff <(kubectl get pods --server=$API | awk '{print $1, $2, $3}') \
     <(java -jar "$JAR" get pods --server=$API | awk '{print $1, $2, $3}') >/dev/null \
  && echo "same_table_as_kubectl=yes" || echo "same_table_as_kubectl=no"
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
awk -v l="$(p50 launcher)" -v k="$(p50 kubectl)" -v p="$(p50 jar_plain)" 'BEGIN {
  printf "ratio_launcher_to_kubectl=%.2f\nratio_plain_to_launcher=%.2f\n", l / k, p / l }'

#!/usr/bin/env bash
# Service proxy benchmark. In one run: nginx on $ADDR serving a small page, wrk at 1, 16 and 64
# connections directly and through a service's cluster IP, then a bulk TCP transfer directly and through a
# service. Prints key=value lines; the last one is ratio=<proxied/direct requests per second> (the lowest of
# the three concurrency levels).
#
# The service is selector-less (a Service plus Endpoints written by hand) on a master started from
# target/node.jar; when that master does not come up (or CLUSTER=proxy-only), the proxy runs alone through a
# small bench main fed the same Service and Endpoints.
#
# Environment: DURATION (wrk run length, default 5s), WRK_RUNS (pairs of direct and proxied wrk runs per
# connection count, interleaved; each side reports its median; default 3), TRANSFER_BYTES (default 1 GiB), TRANSFER_RUNS (pairs of
# direct and proxied transfers, interleaved; each side reports its median; default 3), CLUSTER=master|proxy-only,
# PROXY_MODE (the master's --proxy-mode: auto, loopback, userspace or iptables; default: no flag, so the node's
# own default, auto: iptables when run as root with a usable iptables, else loopback; the mode the node chose
# is read from its log and printed as proxy_mode=; the proxy-only fallback is always the user-space proxy),
# ADDR (the address everything binds: nginx, the sink, the master; default 127.0.7.10), SERVICE_CIDR (the
# master's cluster IP range, default 127.170.0.0/16).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DURATION=${DURATION:-5s}
TRANSFER_BYTES=${TRANSFER_BYTES:-1073741824}
CLUSTER=${CLUSTER:-master}
PROXY_MODE=${PROXY_MODE:-}
MODE_FLAG=()
[ -n "$PROXY_MODE" ] && MODE_FLAG=(--proxy-mode="$PROXY_MODE")
ADDR=${ADDR:-127.0.7.10}
SERVICE_CIDR=${SERVICE_CIDR:-127.170.0.0/16}
WORK=$(mktemp -d /tmp/proxy-bench.XXXXXX)
chmod 755 "$WORK"  # nginx workers read the page as an unprivileged user
PIDS=()

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -f "$WORK/nginx.pid" ]; then kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "# $*" >&2; }

# a port nobody listens on at $ADDR (the machine may be shared with other runs)
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/$ADDR/$p") 2>/dev/null; then echo $p; return; fi
  done
}
NGINX_PORT=${NGINX_PORT:-$(free_port)}
SINK_PORT=${SINK_PORT:-$(free_port)}
API_PORT=${API_PORT:-$(free_port)}
PEER_PORT=${PEER_PORT:-$(free_port)}
KUBELET_PORT=${KUBELET_PORT:-$(free_port)}

# ---- tools
install_missing() {
  local need=()
  command -v wrk >/dev/null || need+=(wrk)
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
  [ ${#need[@]} -eq 0 ] && return
  log "installing ${need[*]}"
  # keep the package from starting a system nginx on port 80 while it installs
  local policy=/usr/sbin/policy-rc.d created=""
  if [ ! -e $policy ]; then printf '#!/bin/sh\nexit 101\n' > $policy; chmod +x $policy; created=1; fi
  apt-get update -qq >/dev/null
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; then
    need=("${need[@]/nginx-light/nginx}")
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  [ -n "$created" ] && rm -f $policy
  return 0
}
install_missing
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# ---- build
if [ ! -f target/node.jar ]; then
  log "building target/node.jar"
  mvn -q -B -o package -DskipTests -DskipITs || mvn -q -B package -DskipTests -DskipITs
fi
mkdir -p "$WORK/classes"
javac -nowarn -d "$WORK/classes" -cp target/node.jar src/bench/java/io/coxswain/bench/*.java
CP="target/node.jar:$WORK/classes"
JAVA_OPTS=(-Xms256m -Xmx1g -Dlogback.configurationFile=/nonexistent -Dbench.receiver=$ADDR)

# ---- nginx
mkdir -p "$WORK/www" "$WORK/tmp"
head -c 512 /dev/zero | tr '\0' 'x' | { echo "<html><body><h1>coxswain bench</h1><p>"; cat; echo "</p></body></html>"; } > "$WORK/www/index.html"
cat > "$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_body_temp_path $WORK/tmp/body;
  proxy_temp_path $WORK/tmp/proxy;
  fastcgi_temp_path $WORK/tmp/fastcgi;
  uwsgi_temp_path $WORK/tmp/uwsgi;
  scgi_temp_path $WORK/tmp/scgi;
  server {
    listen $ADDR:$NGINX_PORT;
    root $WORK/www;
    index index.html;
  }
}
CONF
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK" || { cat "$WORK/nginx-error.log" >&2; exit 1; }
sleep 0.3
curl -sf "http://$ADDR:$NGINX_PORT/" >/dev/null || { echo "nginx did not start" >&2; exit 1; }

# ---- the cluster (or the proxy alone)
wait_url() { # url seconds
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    curl -sf -o /dev/null --max-time 2 "$1" && return 0
    sleep 0.3
  done
  return 1
}

# the master's admin certificate (its data dir's pki, set once it is up)
api() { curl -sf "${TLS[@]}" -X "$1" -H 'Content-Type: application/json' "https://$ADDR:$API_PORT$2" ${3:+--data "$3"}; }

selectorless() { # name port backend-port -> prints the cluster IP
  local svc
  svc=$(api POST /api/v1/namespaces/default/services \
    "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"$1\"},\"spec\":{\"ports\":[{\"name\":\"p\",\"protocol\":\"TCP\",\"port\":$2}]}}")
  api POST /api/v1/namespaces/default/endpoints \
    "{\"apiVersion\":\"v1\",\"kind\":\"Endpoints\",\"metadata\":{\"name\":\"$1\"},\"subsets\":[{\"addresses\":[{\"ip\":\"$ADDR\"}],\"ports\":[{\"name\":\"p\",\"protocol\":\"TCP\",\"port\":$3}]}]}" >/dev/null
  echo "$svc" | tr -d '\n ' | sed -n 's/.*"clusterIP":"\([^"]*\)".*/\1/p'
}

MODE=""
if [ "$CLUSTER" = master ]; then
  # the local minion runs the proxy; it never starts a pod here (selector-less services only)
  java "${JAVA_OPTS[@]}" -jar target/node.jar --role=master --address=$ADDR --api-port=$API_PORT \
    --peer-port=$PEER_PORT --kubelet-port=$KUBELET_PORT --service-cidr=$SERVICE_CIDR \
    --data-dir="$WORK/master" --node-name=proxy-bench --local-minion=true ${MODE_FLAG[@]+"${MODE_FLAG[@]}"} \
    > "$WORK/master.log" 2>&1 &
  MASTER=$!
  PIDS+=($MASTER)
  TLS=(--cacert "$WORK/master/pki/ca.crt" --cert "$WORK/master/pki/admin.crt" --key "$WORK/master/pki/admin.key")
  deadline=$((SECONDS + 60))
  while [ $SECONDS -lt $deadline ] && kill -0 $MASTER 2>/dev/null; do
    if [ -f "$WORK/master/pki/admin.key" ] && curl -sf "${TLS[@]}" -o /dev/null --max-time 2 \
        "https://$ADDR:$API_PORT/api/v1/namespaces/default/services"; then
      MODE=master
      break
    fi
    sleep 0.5
  done
  if [ "$MODE" = master ]; then
    WEB_IP=$(selectorless bench-web 80 $NGINX_PORT)
    SINK_IP=$(selectorless bench-sink 9000 $SINK_PORT)
    if [ -z "$WEB_IP" ] || [ -z "$SINK_IP" ] || ! wait_url "http://$WEB_IP:80/" 30; then
      log "the master's proxy did not serve the service; falling back to the proxy alone"
      tail -5 "$WORK/master.log" >&2 || true
      MODE=""
    fi
  else
    log "no master answered on :$API_PORT (node.jar: $(tail -1 "$WORK/master.log" 2>/dev/null)); running the proxy alone"
  fi
  if [ -z "$MODE" ]; then kill $MASTER 2>/dev/null || true; wait $MASTER 2>/dev/null || true; fi
fi
if [ -z "$MODE" ]; then
  MODE=proxy-only
  net=$((250 + RANDOM % 5)).$((1 + RANDOM % 250))
  WEB_IP=127.100.$net
  SINK_IP=127.101.$net
  java "${JAVA_OPTS[@]}" -cp "$CP" io.coxswain.bench.ProxyBenchMain \
    "bench-web=$WEB_IP:80=$ADDR:$NGINX_PORT" "bench-sink=$SINK_IP:9000=$ADDR:$SINK_PORT" \
    > "$WORK/proxy.log" 2>&1 &
  PIDS+=($!)
  wait_url "http://$WEB_IP:80/" 60 || { cat "$WORK/proxy.log" >&2; echo "the proxy did not come up" >&2; exit 1; }
  grep '^native_transport=' "$WORK/proxy.log" || true
fi
echo "cluster=$MODE"
if [ "$MODE" = master ]; then
  # the minion's lines: "proxy mode auto: iptables (running as root ...)", "proxy mode loopback (given by ...)",
  # and, should the iptables rules not go in, "proxy mode auto: loopback after all (...)": the last one counts
  RESOLVED=$(sed -n 's/.*proxy mode \(auto: \)\{0,1\}\([a-z]*\) \(after all \)\{0,1\}(.*/\2/p' "$WORK/master.log" | tail -1)
  echo "proxy_mode=${RESOLVED:-unknown}"
  echo "proxy_mode_flag=${PROXY_MODE:-none}"
else
  echo "proxy_mode=userspace-alone"
fi
echo "service_url=http://$WEB_IP:80/"
echo "cores=$(nproc)"

# ---- wrk
to_ms() { # "1.23ms" | "850.00us" | "1.02s" -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n *= 1; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}
WRK_RPS=0 WRK_P99=0 WRK_ERR=0
run_wrk() { # url connections duration
  local threads=1 out
  [ "$2" -ge 16 ] && threads=2
  out=$(wrk -t$threads -c"$2" -d"$3" --latency "$1")
  WRK_RPS=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
  WRK_P99=$(to_ms "$(echo "$out" | awk '$1 == "99%" {print $2}')")
  WRK_ERR=$(echo "$out" | awk '/Socket errors|Non-2xx/ {e = 1} END {print e + 0}')
  if [ "$WRK_ERR" != 0 ]; then echo "$out" | grep -E 'Socket errors|Non-2xx' >&2; fi
}

log "warm-up through the service"
run_wrk "http://$WEB_IP:80/" 16 3s
MIN_RATIO=""
# WRK_RUNS pairs per connection count, direct then proxied, interleaved so that both see the same moments of
# a shared machine; each figure is the median of its side's runs (one pair alone swung by ±20 % either way)
median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{v[NR]=$1} END { print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2 }'; }
WRK_RUNS=${WRK_RUNS:-3}
for c in 1 16 64; do
  d_rps_runs="" d_p99_runs="" p_rps_runs="" p_p99_runs="" d_err=0 p_err=0
  for _ in $(seq "$WRK_RUNS"); do
    run_wrk "http://$ADDR:$NGINX_PORT/" $c "$DURATION"
    d_rps_runs+=" $WRK_RPS" d_p99_runs+=" $WRK_P99" d_err=$((d_err + WRK_ERR))
    run_wrk "http://$WEB_IP:80/" $c "$DURATION"
    p_rps_runs+=" $WRK_RPS" p_p99_runs+=" $WRK_P99" p_err=$((p_err + WRK_ERR))
  done
  d_rps=$(echo "$d_rps_runs" | median) d_p99=$(echo "$d_p99_runs" | median)
  p_rps=$(echo "$p_rps_runs" | median) p_p99=$(echo "$p_p99_runs" | median)
  echo "direct_c${c}_rps_runs=$(echo $d_rps_runs | tr ' ' ,)"
  echo "proxied_c${c}_rps_runs=$(echo $p_rps_runs | tr ' ' ,)"
  ratio=$(awk -v a="$p_rps" -v b="$d_rps" 'BEGIN { printf "%.3f", a / b }')
  added=$(awk -v a="$p_p99" -v b="$d_p99" 'BEGIN { printf "%.3f", a - b }')
  echo "direct_c${c}_rps=$d_rps"
  echo "proxied_c${c}_rps=$p_rps"
  echo "direct_c${c}_p99_ms=$d_p99"
  echo "proxied_c${c}_p99_ms=$p_p99"
  echo "added_p99_c${c}_ms=$added"
  echo "errors_c${c}=$((d_err + p_err))"
  echo "ratio_c${c}=$ratio"
  MIN_RATIO=$(awk -v a="$ratio" -v m="$MIN_RATIO" 'BEGIN { printf "%.3f", (m == "" || a < m) ? a : m }')
done

# ---- bulk transfer
transfer() { # host port bytes -> mib/s
  java "${JAVA_OPTS[@]}" -cp "$CP" io.coxswain.bench.TransferBench "$1" "$2" "$3" "$SINK_PORT" \
    | sed -n 's/.*mib_per_s=\([0-9.]*\).*/\1/p'
}
log "transfer warm-up through the service"
transfer "$SINK_IP" 9000 $((128 << 20)) >/dev/null
# TRANSFER_RUNS pairs, direct then proxied, interleaved so that both see the same moments of a shared machine;
# each side's figure is the median of its runs (one transfer alone swung between 0.6 and 1.0 of the other)
TRANSFER_RUNS=${TRANSFER_RUNS:-3}
direct_runs=()
proxied_runs=()
for _ in $(seq "$TRANSFER_RUNS"); do
  direct_runs+=("$(transfer "$ADDR" "$SINK_PORT" "$TRANSFER_BYTES")")
  proxied_runs+=("$(transfer "$SINK_IP" 9000 "$TRANSFER_BYTES")")
done
t_direct=$(echo "${direct_runs[*]}" | median)
t_proxied=$(echo "${proxied_runs[*]}" | median)
echo "transfer_bytes=$TRANSFER_BYTES"
echo "transfer_runs=$TRANSFER_RUNS"
echo "transfer_direct_runs_mib_s=$(IFS=,; echo "${direct_runs[*]}")"
echo "transfer_proxied_runs_mib_s=$(IFS=,; echo "${proxied_runs[*]}")"
echo "transfer_direct_mib_s=$t_direct"
echo "transfer_proxied_mib_s=$t_proxied"
echo "transfer_ratio=$(awk -v a="$t_proxied" -v b="$t_direct" 'BEGIN { printf "%.3f", a / b }')"
echo "ratio=$MIN_RATIO"

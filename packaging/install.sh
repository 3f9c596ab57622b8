#!/usr/bin/env bash
# Installs Coxswain on this machine:
#   PREFIX/lib/coxswain/node.jar        the jar (from target/node.jar, or --jar PATH)
#   PREFIX/lib/coxswain/coxswain        the launcher; PREFIX/bin/coxswain links to it
#   PREFIX/share/doc/coxswain/README.md
#   /etc/systemd/system/coxswain-master.service, coxswain-minion.service
#   /etc/coxswain/coxswain.env          settings, commented (kept when it exists)
# and, with --role, enables and starts that role's unit (when systemd runs).
#
# usage: sudo packaging/install.sh [--role master|minion] [--join HOST:PORT] [--token TOKEN] [--address IP]
#                                  [--node-name NAME] [--jar PATH] [--prefix DIR] [--destdir DIR]
#                                  [--no-start] [--uninstall]
#   --role ROLE       master or minion: enable (and start) coxswain-ROLE.service
#   --join HOST:PORT  API address of a master to join (a minion needs it; a master with it joins the Raft group)
#   --token TOKEN     join token for --join (from 'coxswain token create' on a master; kept in the env file,
#                     which is then readable by root only)
#   --address IP      address the node binds and advertises (default in the env file: 127.0.0.1)
#   --node-name NAME  the node's name (default: the host name)
#   --jar PATH        the node.jar to install (default: target/node.jar beside this script's folder)
#   --prefix DIR      where to install (default: /usr/local)
#   --destdir DIR     stage every file under DIR instead of / (for packaging and tests; starts nothing,
#                     needs no root). Also read from $DESTDIR.
#   --no-start        install and enable, but do not start
#   --uninstall       remove the jar, launcher and units (keeps /etc/coxswain and /var/lib/coxswain)
# Running it again is safe: files are replaced, the env file keeps your edits (only the settings given as
# options are rewritten).
set -euo pipefail

say() { echo "install.sh: $*"; }
die() { echo "install.sh: error: $*" >&2; exit 1; }

here="$(cd "$(dirname "$0")" && pwd)"
role="" join="" token="" address="" node_name="" jar="" prefix="/usr/local" destdir="${DESTDIR:-}"
start=true uninstall=false
given_args="$*"

need() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (see --help)"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --role) need "$@"; role="$2"; shift ;;
    --role=*) role="${1#*=}" ;;
    --join) need "$@"; join="$2"; shift ;;
    --join=*) join="${1#*=}" ;;
    --token) need "$@"; token="$2"; shift ;;
    --token=*) token="${1#*=}" ;;
    --address) need "$@"; address="$2"; shift ;;
    --address=*) address="${1#*=}" ;;
    --node-name) need "$@"; node_name="$2"; shift ;;
    --node-name=*) node_name="${1#*=}" ;;
    --jar) need "$@"; jar="$2"; shift ;;
    --jar=*) jar="${1#*=}" ;;
    --prefix) need "$@"; prefix="$2"; shift ;;
    --prefix=*) prefix="${1#*=}" ;;
    --destdir) need "$@"; destdir="$2"; shift ;;
    --destdir=*) destdir="${1#*=}" ;;
    --no-start) start=false ;;
    --uninstall) uninstall=true ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
  shift
done

case "$role" in
  ""|master|minion) ;;
  *) die "--role must be master or minion, not '$role'" ;;
esac
if [ -n "$join" ] && ! [[ "$join" =~ ^[^:/[:space:]]+:[0-9]+$ ]]; then
  die "--join must be a master's API address HOST:PORT (e.g. 10.0.0.1:6443), not '$join'"
fi
case "$prefix" in /*) ;; *) die "--prefix must be an absolute path, not '$prefix'" ;; esac
if [ -n "$destdir" ]; then
  mkdir -p "$destdir" || die "cannot create --destdir $destdir"
  destdir="$(cd "$destdir" && pwd)"
fi

# --- root: a real install writes under $prefix, /etc and the systemd folder ---
if [ -z "$destdir" ] && [ "$(id -u)" -ne 0 ]; then
  die "must run as root: it writes $prefix, /etc/coxswain and /etc/systemd/system. Run: sudo $0${given_args:+ $given_args}
(or stage the files elsewhere with --destdir DIR, which needs no root)"
fi

lib="$prefix/lib/coxswain"
bin="$prefix/bin"
doc="$prefix/share/doc/coxswain"
units="/etc/systemd/system"
etc="/etc/coxswain"
env_file="$etc/coxswain.env"
systemd_running=false
if [ -z "$destdir" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  systemd_running=true
fi

if $uninstall; then
  if $systemd_running; then
    for unit in coxswain-master coxswain-minion; do
      systemctl disable --now "$unit.service" >/dev/null 2>&1 || true
    done
  fi
  rm -f "$destdir$bin/coxswain" "$destdir$lib/node.jar" "$destdir$lib/coxswain" \
        "$destdir$doc/README.md" \
        "$destdir$units/coxswain-master.service" "$destdir$units/coxswain-minion.service"
  rmdir "$destdir$lib" "$destdir$doc" 2>/dev/null || true
  $systemd_running && systemctl daemon-reload
  say "removed the jar, the launcher and the units; kept $env_file and /var/lib/coxswain (remove them by hand)"
  exit 0
fi

if [ "$role" = minion ] && [ -z "$join" ] && ! grep -qs '^COXSWAIN_ARGS=.*--join=' "$destdir/etc/coxswain/coxswain.env"; then
  die "a minion needs a master to join: give --join HOST:PORT (the master's API address, port 6443 by default)"
fi

# --- Java 17 or newer ---
java_cmd="${JAVA:-$(command -v java || true)}"
[ -n "$java_cmd" ] || die "no 'java' found: Coxswain needs Java 17 or newer. On Debian/Ubuntu: apt-get install openjdk-17-jre-headless"
java_version="$("$java_cmd" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)"
java_major="${java_version%%.*}"
[ "$java_major" = 1 ] && java_major="$(echo "$java_version" | cut -d. -f2)"   # 1.8.0 -> 8
if ! [[ "$java_major" =~ ^[0-9]+$ ]] || [ "$java_major" -lt 17 ]; then
  die "$java_cmd is Java ${java_version:-of unknown version}; Coxswain needs Java 17 or newer. On Debian/Ubuntu: apt-get install openjdk-17-jre-headless (or set JAVA=/path/to/java)"
fi

# --- the jar and the launcher ---
if [ -z "$jar" ]; then
  for candidate in "$here/../target/node.jar" "$here/node.jar"; do
    if [ -f "$candidate" ]; then jar="$candidate"; break; fi
  done
fi
[ -n "$jar" ] && [ -f "$jar" ] || die "no node.jar${jar:+ at $jar}: build it first (mvn -B -q package -DskipTests) or give --jar PATH"
[ -f "$here/coxswain" ] || die "the launcher $here/coxswain is missing"

install -d -m 0755 "$destdir$lib" "$destdir$bin" "$destdir$doc" "$destdir$units" "$destdir$etc"
install -m 0644 "$jar" "$destdir$lib/node.jar.new" && mv -f "$destdir$lib/node.jar.new" "$destdir$lib/node.jar"
install -m 0755 "$here/coxswain" "$destdir$lib/coxswain"
# a relative link, so that a staged tree (--destdir) is right once copied to /
ln -sfn "$(realpath -m --relative-to="$bin" "$lib/coxswain")" "$destdir$bin/coxswain"
[ -f "$here/../README.md" ] && install -m 0644 "$here/../README.md" "$destdir$doc/README.md"
say "installed $lib/node.jar and $bin/coxswain (Java $java_version at $java_cmd)"

for unit in coxswain-master.service coxswain-minion.service; do
  # the units name /usr/local; another --prefix is written into them
  sed "s#/usr/local/#$prefix/#g" "$here/$unit" > "$destdir$units/$unit.new"
  chmod 0644 "$destdir$units/$unit.new"
  mv -f "$destdir$units/$unit.new" "$destdir$units/$unit"
done
say "installed $units/coxswain-master.service and coxswain-minion.service"

# --- the settings file: written once, then only the options given here are changed ---
if [ ! -f "$destdir$env_file" ]; then
  java_line="# JAVA=$java_cmd"
  case "$java_cmd" in /usr/bin/java|/usr/local/bin/java|/bin/java) ;; *) java_line="JAVA=$java_cmd" ;; esac
  cat > "$destdir$env_file" <<ENV
# Coxswain node settings, read by coxswain-master.service and coxswain-minion.service (systemd
# EnvironmentFile syntax: KEY=VALUE, no shell expansion). After a change: systemctl restart coxswain-ROLE.
# Every flag: coxswain --help. The role is the unit you enable (coxswain-master or coxswain-minion).

# Flags given to the node, separated by spaces. The most common ones:
#   --join=HOST:PORT        API address of a master: a minion joins it; a master joins its Raft group
#   --address=IP            address to bind and advertise (default 127.0.0.1: set this host's address
#                           for a cluster spanning hosts). The API is HTTPS with client certificates; the
#                           first master writes DATA_DIR/admin.kubeconfig for its administrator
#   --node-name=NAME        node name (default: the host name)
#   --api-port=6443 --peer-port=2380 --kubelet-port=10250
#   --local-minion=false    a master that runs no pods
#   --proxy-mode=iptables --service-cidr=10.96.0.0/16    services across hosts (see README)
#   --container-runtime-endpoint=unix:///run/podman/podman.sock
#   --node-labels=zone=a,disk=ssd --reserved-memory=512Mi --max-pods=110
COXSWAIN_ARGS=

# The join token for --join (from 'coxswain token create [--role master]' on a master); used on the first
# start only (the node keeps the certificate it gets). Keep this file readable by root only when it is set.
#COXSWAIN_TOKEN=

# Where the node keeps its state (the Raft log and store of a master, pod records of a minion).
#COXSWAIN_DATA_DIR=/var/lib/coxswain

# The java command (default: java on the PATH) and extra JVM options.
$java_line
#COXSWAIN_JAVA_OPTS=-Xmx1g
ENV
  chmod 0644 "$destdir$env_file"
  say "wrote $env_file"
else
  say "kept $env_file (your settings)"
fi

# set_flag FLAG VALUE: put --FLAG=VALUE into COXSWAIN_ARGS, replacing an earlier value of that flag
set_flag() {
  local flag="$1" value="$2" current rest word
  current="$(sed -n 's/^COXSWAIN_ARGS=//p' "$destdir$env_file" | tail -n 1)"
  current="${current#\"}"; current="${current%\"}"
  rest=""
  for word in $current; do
    case "$word" in "--$flag="*|"--$flag") ;; *) rest="$rest $word" ;; esac
  done
  rest="${rest# } --$flag=$value"
  rest="${rest# }"
  if grep -q '^COXSWAIN_ARGS=' "$destdir$env_file"; then
    sed -i "s#^COXSWAIN_ARGS=.*#COXSWAIN_ARGS=\"$rest\"#" "$destdir$env_file"
  else
    echo "COXSWAIN_ARGS=\"$rest\"" >> "$destdir$env_file"
  fi
  say "set --$flag=$value in $env_file"
}
[ -n "$join" ] && set_flag join "$join"
[ -n "$address" ] && set_flag address "$address"
if [ -n "$token" ]; then
  # a secret: readable by root only, and not echoed
  chmod 0600 "$destdir$env_file"
  if grep -q '^#\{0,1\}COXSWAIN_TOKEN=' "$destdir$env_file"; then
    sed -i "s#^\#\{0,1\}COXSWAIN_TOKEN=.*#COXSWAIN_TOKEN=$token#" "$destdir$env_file"
  else
    echo "COXSWAIN_TOKEN=$token" >> "$destdir$env_file"
  fi
  say "set COXSWAIN_TOKEN in $env_file (now mode 0600)"
fi
[ -n "$node_name" ] && set_flag node-name "$node_name"


# --- systemd ---
if [ -z "$role" ]; then
  say "done. Choose a role: edit $env_file, then: systemctl enable --now coxswain-master (or coxswain-minion)"
  exit 0
fi
other=master; [ "$role" = master ] && other=minion
if ! $systemd_running; then
  if [ -n "$destdir" ]; then
    say "staged under $destdir (nothing started). Once installed: systemctl enable --now coxswain-$role"
  else
    args="$(sed -n 's/^COXSWAIN_ARGS=//p' "$env_file" | tail -n 1 | tr -d '"')"
    data_dir="$(sed -n 's/^COXSWAIN_DATA_DIR=//p' "$env_file" | tail -n 1 | tr -d '"')"
    say "systemd is not running here, so nothing was started; start the node by hand (as the unit would):"
    say "  $bin/coxswain --role=$role --data-dir=${data_dir:-/var/lib/coxswain}${args:+ $args}"
  fi
  exit 0
fi
systemctl daemon-reload
if systemctl is-enabled --quiet "coxswain-$other.service" 2>/dev/null; then
  say "coxswain-$other.service is enabled too: one node per machine; disable it with: systemctl disable --now coxswain-$other"
fi
if $start; then
  systemctl enable "coxswain-$role.service"
  # restart, not start: a second run with new settings or a new jar takes effect
  systemctl restart "coxswain-$role.service"
  say "coxswain-$role is running: systemctl status coxswain-$role; journalctl -u coxswain-$role -f"
else
  systemctl enable "coxswain-$role.service"
  say "coxswain-$role is enabled; start it with: systemctl start coxswain-$role"
fi

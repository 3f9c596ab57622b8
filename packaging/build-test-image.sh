#!/usr/bin/env bash
# Builds Coxswain's local test images without any registry, from the host's static busybox:
#   coxswain/busybox:1   busybox with its applets (sh, httpd, nc, wget, sleep, ...); /etc/coxswain-version = 1
#   coxswain/busybox:2   the same with /etc/coxswain-version = 2 (and index pages saying 2), for update tests
#   coxswain/pause:1     an infra image: the same rootfs whose command sleeps until SIGTERM, then exits 0
#
# usage: packaging/build-test-image.sh [--force] [--engine CMD] [--load-into CMD]
#   --force          rebuild even when the images exist
#   --engine CMD     the engine command that imports the images (default: docker; podman works too)
#   --load-into CMD  afterwards copy the images into a second engine: CMD_ENGINE save | CMD load, when
#                    that engine lacks one of them, or they were just (re)built (e.g. --load-into podman;
#                    Podman then names them localhost/coxswain/...)
# The busybox binary comes from apt busybox-static (/bin/busybox); BUSYBOX=/path overrides it.
set -euo pipefail

force=false
engine=docker
load_into=""
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=true ;;
    --engine) engine="${2:?--engine needs a command}"; shift ;;
    --engine=*) engine="${1#--engine=}" ;;
    --load-into) load_into="${2:?--load-into needs a command}"; shift ;;
    --load-into=*) load_into="${1#--load-into=}" ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build-test-image: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

images=(coxswain/busybox:1 coxswain/busybox:2 coxswain/pause:1)

have_image() { "$engine" image inspect "$1" >/dev/null 2>&1; }

all_present=true
for image in "${images[@]}"; do
  have_image "$image" || all_present=false
done

if $all_present && ! $force; then
  echo "build-test-image: ${images[*]} already present in $engine (use --force to rebuild)"
else
  busybox="${BUSYBOX:-}"
  if [ -z "$busybox" ]; then
    for candidate in /bin/busybox /usr/bin/busybox; do
      if [ -x "$candidate" ]; then busybox="$candidate"; break; fi
    done
  fi
  if [ -z "$busybox" ] || [ ! -x "$busybox" ]; then
    echo "build-test-image: no busybox binary found; install it: apt-get install busybox-static" >&2
    exit 1
  fi
  # the image has no libc: the binary must be static
  if ldd "$busybox" >/dev/null 2>&1; then
    echo "build-test-image: $busybox is dynamically linked; install apt busybox-static instead of busybox" >&2
    exit 1
  fi

  work="$(mktemp -d "${TMPDIR:-/tmp}/coxswain-image.XXXXXX")"
  trap 'rm -rf "$work"' EXIT

  # make_rootfs DIR VERSION: a minimal root file system around busybox
  make_rootfs() {
    local root="$1" version="$2"
    mkdir -p "$root"/{bin,etc,tmp,var/www,www,root,proc,sys,dev,home}
    chmod 1777 "$root/tmp"
    cp "$busybox" "$root/bin/busybox"
    chmod 0755 "$root/bin/busybox"
    local applet
    for applet in $("$busybox" --list); do
      [ "$applet" = busybox ] && continue
      ln -sf busybox "$root/bin/$applet"
    done
    ln -s bin "$root/sbin"
    mkdir -p "$root/usr"
    ln -s ../bin "$root/usr/bin"
    ln -s ../bin "$root/usr/sbin"
    cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
PASSWD
    cat > "$root/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
www-data:x:33:
nogroup:x:65534:
GROUP
    echo "$version" > "$root/etc/coxswain-version"
    echo "coxswain busybox $version" > "$root/var/www/index.html"
    echo "coxswain busybox $version" > "$root/www/index.html"
  }

  # import ROOT IMAGE CMD_JSON
  import() {
    local root="$1" image="$2" cmd="$3"
    echo "build-test-image: importing $image into $engine"
    tar -C "$root" --numeric-owner --owner=0 --group=0 -cf - . \
      | "$engine" import \
          --change "CMD $cmd" \
          --change 'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin' \
          --change 'WORKDIR /' \
          --change "LABEL io.coxswain.test-image=$image" \
          - "$image" >/dev/null
  }

  make_rootfs "$work/v1" 1
  make_rootfs "$work/v2" 2
  import "$work/v1" coxswain/busybox:1 '["sh"]'
  import "$work/v2" coxswain/busybox:2 '["sh"]'
  import "$work/v1" coxswain/pause:1 \
    '["sh","-c","trap \"exit 0\" TERM INT; while :; do sleep 3600 & wait $!; done"]'
  echo "build-test-image: built ${images[*]}"
fi

if [ -n "$load_into" ]; then
  # Podman names loaded images localhost/coxswain/...; its short-name lookup finds them as coxswain/...
  load_needed=false
  if $force || ! $all_present; then load_needed=true; fi
  for image in "${images[@]}"; do
    "$load_into" image inspect "$image" >/dev/null 2>&1 || load_needed=true
  done
  if $load_needed; then
    echo "build-test-image: loading ${images[*]} into $load_into"
    "$engine" save "${images[@]}" | "$load_into" load -q
  else
    echo "build-test-image: ${images[*]} already present in $load_into"
  fi
fi

#!/usr/bin/env bash
# Lays out the system part of Serin's image in <dir>: the Debian packages Node's official binary
# links against (`ldd node`: libc, libstdc++, libgcc, libatomic; gcc-12-base holds the copyright of
# the last three) and Debian's CA certificates, unpacked with `dpkg-deb -x` (no maintainer script
# runs, and none is needed), plus the few files a container expects: a `nonroot` user (uid 65532)
# and its home, /tmp, nsswitch.conf and the mount points a runtime fills (/proc, /dev, /sys).
# Distroless-style: no shell, no package manager. Run by tools/image/build-oci.sh and by the
# Dockerfile's `system` stage, so both images hold the same files. The .deb files are cached in
# $SERIN_IMAGE_CACHE/debs (default ~/.cache/serin-image); apt's lists pick their versions.
#
# Usage: tools/image/rootfs.sh <dir>    (<dir> must not exist yet)
set -euo pipefail
out=${1:?usage: tools/image/rootfs.sh <dir>}
[ ! -e "$out" ] || { echo "[image] $out exists already; give a fresh folder" >&2; exit 1; }
PACKAGES=(libc6 libgcc-s1 libstdc++6 libatomic1 gcc-12-base ca-certificates)
cache=${SERIN_IMAGE_CACHE:-$HOME/.cache/serin-image}/debs
mkdir -p "$cache" "$out"

# The candidate version of each package from apt's lists (fetched once when the lists are empty).
field() { apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n "s/^$2: //p" | head -1; }
if [ -z "$(field libc6 Version)" ]; then
  echo "[image] apt lists are empty: apt-get update" >&2
  apt-get update -qq >&2
fi
debs=()
for pkg in "${PACKAGES[@]}"; do
  file=$(basename "$(field "$pkg" Filename)")
  [ -n "$file" ] || { echo "[image] apt knows no package $pkg" >&2; exit 1; }
  if [ ! -s "$cache/$file" ]; then
    echo "[image] downloading $file" >&2
    (cd "$cache" && apt-get download -qq -o APT::Sandbox::User=root "$pkg=$(field "$pkg" Version)" >&2)
  fi
  debs+=("$cache/$file")
done

status="$out/var/lib/dpkg/status.d"
mkdir -p "$status"
for deb in "${debs[@]}"; do
  dpkg-deb -x "$deb" "$out"
  # What was installed, where image scanners look for it (as distroless images record it).
  pkg=$(dpkg-deb -f "$deb" Package)
  dpkg-deb -f "$deb" Package Source Version Architecture Maintainer Homepage >"$status/$pkg"
done

# Documentation goes, except each package's copyright (the licences travel with the binaries); so do
# glibc's iconv modules (Node converts text with its own ICU), debugger scripts, and the CA update
# script (no shell to run it: the bundle is written below).
find "$out/usr/share/doc" -mindepth 2 ! -name copyright -exec rm -rf {} +
rm -rf "$out/usr/share/man" "$out/usr/share/info" "$out/usr/share/lintian" "$out/usr/share/locale" \
  "$out/usr/share/gdb" "$out/usr/share/gcc" "$out/usr/lib/x86_64-linux-gnu/gconv" \
  "$out/usr/sbin/update-ca-certificates" "$out/etc/ca-certificates"

# The CA bundle update-ca-certificates would write (Debian's default: every Mozilla certificate).
mkdir -p "$out/etc/ssl/certs"
find "$out/usr/share/ca-certificates" -name '*.crt' | LC_ALL=C sort | xargs cat >"$out/etc/ssl/certs/ca-certificates.crt"
[ -s "$out/etc/ssl/certs/ca-certificates.crt" ] || { echo "[image] empty CA bundle" >&2; exit 1; }

cat >"$out/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
cat >"$out/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
nonroot:x:65532:
GROUP
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$out/etc/nsswitch.conf"
mkdir -p "$out/tmp" "$out/home/nonroot" "$out/root" "$out/proc" "$out/dev" "$out/sys" "$out/usr/local/bin"
chmod 1777 "$out/tmp"
chmod 0700 "$out/root"
# The home of uid 65532 is its own (build-oci.sh sets owners in the layer; the Dockerfile copies them).
# No ld.so.cache: Debian's loader searches /lib/<triplet> and /usr/lib/<triplet> without one.
if [ "$(id -u)" = 0 ]; then chown 65532:65532 "$out/home/nonroot"; fi
echo "[image] system files: ${PACKAGES[*]} ($(du -sh "$out" | cut -f1))" >&2

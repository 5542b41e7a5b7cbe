#!/usr/bin/env bash
# `npm pack` of the repository into <dir>, printing the tarball's path last. `prepack` rebuilds dist/
# (rm -rf, then esbuild), so two packs at once would race: a lock makes them take turns (the package and
# image tests may run side by side). Run with the pinned Node first on PATH (tools/node/with-node.sh).
#
# Usage: tools/image/pack.sh <dir>
set -euo pipefail
dest=${1:?usage: tools/image/pack.sh <dir>}
repo=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$dest" "$repo/.serin"
dest=$(cd "$dest" && pwd)
exec 9>"$repo/.serin/pack.lock"
flock 9
tgz=$(cd "$repo" && npm pack --silent --pack-destination "$dest" | tail -1)
[ -f "$dest/$tgz" ] || { echo "[pack] npm pack made no tarball" >&2; exit 1; }
echo "$dest/$tgz"

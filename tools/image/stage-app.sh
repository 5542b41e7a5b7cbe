#!/usr/bin/env bash
# Stages the Node part of Serin's image in <dir>: <dir>/app is the package `npm pack` makes (its
# `prepack` compiles dist/) with its production dependencies only, installed by `npm ci --omit=dev`
# from the repository's package-lock.json (the versions the tests ran); <dir>/node is the Node layer:
# the pinned binary (tools/node/install.sh) at usr/local/bin/node and its licence. Run by
# tools/image/build-oci.sh and by the Dockerfile's build stage.
#
# Usage: tools/image/stage-app.sh <dir>    (<dir> must not exist yet)
set -euo pipefail
out=${1:?usage: tools/image/stage-app.sh <dir>}
repo=$(cd "$(dirname "$0")/../.." && pwd)
[ ! -e "$out" ] || { echo "[image] $out exists already; give a fresh folder" >&2; exit 1; }
mkdir -p "$out/app" "$out/node/usr/local/bin" "$out/node/usr/local/share/doc/node"
out=$(cd "$out" && pwd)

node_bin=$("$repo/tools/node/install.sh")
export PATH="$node_bin:$PATH"
echo "[image] npm pack (bundles dist/, tools/build.ts)" >&2
tgz=$("$repo/tools/image/pack.sh" "$out")
tar -xzf "$tgz" -C "$out/app" --strip-components=1 --no-same-owner
rm "$tgz"
cp "$repo/package-lock.json" "$out/app/"
echo "[image] npm ci --omit=dev (production dependencies only)" >&2
(cd "$out/app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error >&2)
# Type declarations and source maps are for editors and debuggers, never loaded at run time.
find "$out/app/node_modules" -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -delete
cp "$node_bin/node" "$out/node/usr/local/bin/node"
cp "$node_bin/../LICENSE" "$out/node/usr/local/share/doc/node/LICENSE"
echo "[image] app: $(du -sh "$out/app" | cut -f1), node $("$out/node/usr/local/bin/node" --version)" >&2

#!/usr/bin/env bash
# Builds kustomize from its Go module (sigs.k8s.io/kustomize/kustomize/v5) for the plain-manifest
# tests (test/integration/helm-chart.test.ts): `kustomize build deploy/kustomize/...`. Cached
# outside the repository, keyed by KUSTOMIZE_VERSION in tools/controlplane/versions.env. kubectl's
# built-in kustomize is not used: which kubectl a machine has (and its kustomize) is not ours to pin.
#
# Usage: tools/kustomize/build.sh              build when missing, print the binary's path last
#        tools/kustomize/build.sh --print-bin  print the binary's path only (no build)
#        tools/kustomize/build.sh --background start the build when missing and return at once; its
#                                              log is build.log and its pid build.pid beside the binary
# Environment: SERIN_CP_CACHE  root of the cache (default: $HOME/.cache/serin-controlplane)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../controlplane/versions.env
. "$here/../controlplane/versions.env"

root=${SERIN_CP_CACHE:-$HOME/.cache/serin-controlplane}
dir="$root/kustomize-$KUSTOMIZE_VERSION"
bin="$dir/bin/kustomize"
if [ "${1:-}" = "--print-bin" ]; then echo "$bin"; exit 0; fi
if [ -x "$bin" ] && [ -f "$dir/.complete" ]; then echo "$bin"; exit 0; fi
if [ "${1:-}" = "--background" ]; then
  mkdir -p "$dir"
  # A build already running (the pid file may outlive its process: check that it is this script).
  if [ -f "$dir/build.pid" ] && grep -qs 'kustomize/build.sh' "/proc/$(cat "$dir/build.pid")/cmdline"; then exit 0; fi
  nohup bash "$here/build.sh" >"$dir/build.log" 2>&1 </dev/null &
  echo $! >"$dir/build.pid"
  echo "[kustomize] compiling kustomize $KUSTOMIZE_VERSION in the background for the chart tests (log: $dir/build.log)" >&2
  exit 0
fi

export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-modcacherw
start=$(date +%s)
step() { printf '[kustomize %4ss] %s\n' "$(( $(date +%s) - start ))" "$*" >&2; }
quiet() { "$@" 2> >(grep -v -E '^go: (downloading|added|upgraded|finding) ' >&2); }

work="$root/src/kustomize-$KUSTOMIZE_VERSION"
mkdir -p "$work" "$dir/bin"
cd "$work"
[ -f go.mod ] || go mod init serin.local/kustomize >/dev/null 2>&1
step "kustomize $KUSTOMIZE_VERSION: resolving modules"
quiet go get -tool "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
step "kustomize $KUSTOMIZE_VERSION: compiling"
# A heartbeat while the compiler is silent. Its sleep is killed with it: a stray sleep would hold
# this script's output open for up to a minute after the build (callers wait for end of output).
( trap 'kill "$nap" 2>/dev/null; exit 0' TERM
  while :; do sleep 60 & nap=$!; wait "$nap"; step "kustomize: still building…"; done ) & hb=$!
rc=0
go build -trimpath -ldflags "-s -w -X sigs.k8s.io/kustomize/api/provenance.version=$KUSTOMIZE_VERSION" \
  -o "$bin" sigs.k8s.io/kustomize/kustomize/v5 || rc=$?
kill "$hb" 2>/dev/null; wait "$hb" 2>/dev/null || true
[ "$rc" = 0 ] || exit "$rc"
touch "$dir/.complete"
step "done: $bin"
echo "$bin"

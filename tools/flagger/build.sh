#!/usr/bin/env bash
# Builds Go Flagger from its Go module for the takeover tests (test/integration/takeover.test.ts):
# the peer Serin replaces, run side by side on the local control plane. Cached outside the
# repository, keyed by FLAGGER_VERSION in tools/controlplane/versions.env.
#
# The module starts from the control plane's go.mod (when that build ran first), so the Kubernetes
# libraries Flagger shares with kube-apiserver resolve to the same versions and come from Go's
# build cache instead of being compiled again.
#
# Usage: tools/flagger/build.sh              build when missing, print the binary's path last
#        tools/flagger/build.sh --print-bin  print the binary's path only (no build)
#        tools/flagger/build.sh --background start the build when missing and return at once; its
#                                            log is build.log and its pid build.pid beside the binary
#                                            (`make test` compiles Flagger while the first tests run)
# Environment: SERIN_CP_CACHE  root of the cache (default: $HOME/.cache/serin-controlplane)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../controlplane/versions.env
. "$here/../controlplane/versions.env"

root=${SERIN_CP_CACHE:-$HOME/.cache/serin-controlplane}
dir="$root/flagger-$FLAGGER_VERSION"
bin="$dir/bin/flagger"
if [ "${1:-}" = "--print-bin" ]; then echo "$bin"; exit 0; fi
if [ -x "$bin" ] && [ -f "$dir/.complete" ]; then echo "$bin"; exit 0; fi
if [ "${1:-}" = "--background" ]; then
  mkdir -p "$dir"
  # A build already running (the pid file may outlive its process: check that it is this script).
  if [ -f "$dir/build.pid" ] && grep -qs 'flagger/build.sh' "/proc/$(cat "$dir/build.pid")/cmdline"; then exit 0; fi
  nohup bash "$here/build.sh" >"$dir/build.log" 2>&1 </dev/null &
  echo $! >"$dir/build.pid"
  echo "[flagger] compiling Flagger $FLAGGER_VERSION in the background for the takeover tests (log: $dir/build.log)" >&2
  exit 0
fi

export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-modcacherw
start=$(date +%s)
step() { printf '[flagger %4ss] %s\n' "$(( $(date +%s) - start ))" "$*" >&2; }
quiet() { "$@" 2> >(grep -v -E '^go: (downloading|added|upgraded|finding) ' >&2); }

work="$root/src/flagger-$FLAGGER_VERSION"
mkdir -p "$work" "$dir/bin"
cd "$work"
k8s_mod="$root/src/k8s-$K8S_VERSION"
if [ ! -f go.mod ]; then
  if [ -f "$k8s_mod/go.mod" ]; then
    cp "$k8s_mod/go.mod" "$k8s_mod/go.sum" .
    go mod edit -module=serin.local/flagger
  else
    go mod init serin.local/flagger >/dev/null 2>&1
  fi
fi
step "flagger $FLAGGER_VERSION: resolving modules"
quiet go get -tool "github.com/fluxcd/flagger/cmd/flagger@$FLAGGER_VERSION"
step "flagger $FLAGGER_VERSION: compiling"
( while sleep 60; do step "flagger: still building…"; done ) & hb=$!
rc=0
go build -trimpath -ldflags "-s -w" -o "$bin" github.com/fluxcd/flagger/cmd/flagger || rc=$?
kill "$hb" 2>/dev/null; wait "$hb" 2>/dev/null || true
[ "$rc" = 0 ] || exit "$rc"
touch "$dir/.complete"
step "done: $bin"
echo "$bin"

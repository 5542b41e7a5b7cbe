# shellcheck shell=bash source-path=SCRIPTDIR
# What the scripts that compile Go binaries from the Go module proxy share: tools/controlplane/build.sh
# and tools/gotools/build.sh (Go Flagger, Helm, kustomize for the tests). Each sources this file
# after `set -euo pipefail` (it loads versions.env beside it) and then says only what is its own:
#
#   go_tool NAME FOLDER [OUT]   names the build: log prefix [NAME …], cache folder $cache_root/FOLDER
#                               ($dir), and the path printed last ($out: $dir/OUT, or $dir itself)
#   front_matter FLAG WHAT ARGS the command line: FLAG (--print-bin / --print-dir) prints $out
#                               only; a finished build prints $out; --background starts the build
#                               detached and returns (build.log and build.pid in $dir)
#   new_module FOLDER MODULE    enter a module folder under $cache_root/src
#   enter_controlplane_module   enter the module of the cluster's binaries (and Flagger's, Helm's)
#   build_tool PACKAGE VERSION LDFLAGS   resolve and compile one command into $out
#   finish [NOTE]               stamp $dir/.complete, print $out
#   step, quiet, with_heartbeat, moddir, first_line (below)
#
# A build counts as finished when is_built says so: $dir/.complete and an executable $out. A
# script may redefine is_built after sourcing this file.
# Environment: SERIN_CP_CACHE  root of the cache (default: $HOME/.cache/serin-controlplane)

controlplane_tools=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$controlplane_tools/versions.env"
cache_root=${SERIN_CP_CACHE:-$HOME/.cache/serin-controlplane}
# The script that sourced this file, absolute: what --background runs again, detached.
build_script="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"

go_tool() {
  tool=$1
  dir="$cache_root/$2"
  out="$dir${3:+/$3}"
  start=$(date +%s)
}

is_built() { [ -f "$dir/.complete" ] && [ -x "$out" ]; }

front_matter() {
  local print_flag=$1 what=$2
  shift 2
  if [ $# -gt 1 ] || { [ $# = 1 ] && [ "$1" != "$print_flag" ] && [ "$1" != --background ]; }; then
    printf '[%s] unknown arguments: %s. Use none (build when missing), %s (print the path only) or' \
      "$tool" "$*" "$print_flag" >&2
    printf ' --background (build detached); see the top of %s\n' "$build_script" >&2
    exit 2
  fi
  if [ "${1:-}" = "$print_flag" ] || is_built; then
    echo "$out"
    exit 0
  fi
  if [ "${1:-}" = --background ]; then
    start_in_background "$what"
    exit 0
  fi
  export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-modcacherw
}

start_in_background() {
  local pid
  mkdir -p "$dir"
  # A build already running? The pid file may outlive its process: check that the pid is this script.
  if pid=$(cat "$dir/build.pid" 2>/dev/null) && grep -qs "$tool/build.sh" "/proc/$pid/cmdline"; then return 0; fi
  nohup bash "$build_script" >"$dir/build.log" 2>&1 </dev/null &
  echo $! >"$dir/build.pid"
  echo "[$tool] compiling $1 in the background (log: $dir/build.log)" >&2
}

step() { printf '[%s %4ss] %s\n' "$tool" "$(($(date +%s) - start))" "$*" >&2; }

# Go lists every module it downloads: hundreds of lines that bury the progress. Keep the rest.
quiet() { "$@" 2> >(grep -v -E '^go: (downloading|added|upgraded|finding) ' >&2); }

# Seconds between heartbeat lines (a plain variable, not a setting: tests shorten it).
heartbeat_seconds=60

# with_heartbeat LABEL CMD [ARG…]: runs CMD and returns its status, printing a step line every
# $heartbeat_seconds while it runs. The heartbeat's sleep dies with it and never holds this
# script's output: callers read until end of output, and a stray sleep kept them up to a minute.
with_heartbeat() {
  local label=$1 hb rc=0
  shift
  (
    # `jobs -p` names the sleep even when TERM lands between starting it and the next command.
    trap 'kill $(jobs -p) 2>/dev/null; wait; exit 0' TERM
    while :; do
      sleep "$heartbeat_seconds" >/dev/null 2>&1 &
      wait $!
      step "$label: still building…"
    done
  ) &
  hb=$!
  "$@" || rc=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  return "$rc"
}

# new_module FOLDER MODULE: enters $cache_root/src/FOLDER, a Go module named MODULE (made when missing).
new_module() {
  mkdir -p "$cache_root/src/$1"
  cd "$cache_root/src/$1" || return
  [ -f go.mod ] || go mod init "$2" >/dev/null 2>&1
}

# The Go module the cluster's binaries are compiled in (tools/controlplane/build.sh), under
# $cache_root/src, named by every version it resolves.
controlplane_module="k8s-$K8S_VERSION.etcd-$ETCD_VERSION.kwok-$KWOK_VERSION.flagger-$FLAGGER_VERSION.helm-$HELM_VERSION"

# enter_controlplane_module: enters that module, resolving it first when it is new. It holds the
# cluster's binaries (kube-apiserver, kube-controller-manager, kube-scheduler, kwok: 817 of its 974
# packages are client-go, apimachinery and api; etcd: its client and API packages are
# kube-apiserver's) and also Go Flagger and Helm, which tools/gotools/build.sh compiles here later:
# resolved together, the ~1,800 library packages they share with the cluster (client-go, x/net,
# grpc…) get one version each and are compiled once, not three times. Flagger's and Helm's
# requirements only raise patch and minor versions of libraries under the cluster (x/net, grpc,
# etcd's client, otel); kustomize, which would raise kube-openapi, keeps a module of its own.
enter_controlplane_module() {
  new_module "$controlplane_module" serin.local/k8sbins
  local lock kmod m
  # Both scripts may start on a fresh cache at once: one resolves, the other waits for it.
  exec {lock}>.resolve.lock
  flock "$lock"
  if [ -f .resolved ]; then
    exec {lock}>&-
    return 0
  fi
  step "kubernetes $K8S_VERSION, kwok $KWOK_VERSION, etcd $ETCD_VERSION, Flagger $FLAGGER_VERSION, Helm $HELM_VERSION: resolving modules (staging $K8S_STAGING_VERSION)"
  go mod edit -go=1.26.0
  kmod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  # shellcheck disable=SC2013 # one module path a line, no spaces
  for m in $(sed -n 's#^[[:space:]]*k8s.io/\([^ ]*\) => ./staging/src/k8s.io/.*#\1#p' "$kmod"); do
    go mod edit -replace="k8s.io/$m=k8s.io/$m@$K8S_STAGING_VERSION"
  done
  quiet go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" \
    "go.etcd.io/etcd/server/v3@$ETCD_VERSION" \
    "github.com/fluxcd/flagger/cmd/flagger@$FLAGGER_VERSION" "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
  touch .resolved
  exec {lock}>&-
}

# build_tool PACKAGE VERSION LDFLAGS: adds PACKAGE@VERSION to the current module as a tool and
# compiles it to $out.
build_tool() {
  step "$tool $2: resolving modules"
  quiet go get -tool "$1@$2"
  step "$tool $2: compiling"
  mkdir -p "$(dirname "$out")"
  with_heartbeat "$tool" go build -trimpath -ldflags "$3" -o "$out" "$1"
}

# moddir MODULE@VERSION: the folder of that module's files in Go's module cache (downloaded first).
moddir() { go mod download -json "$1" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'; }

# finish [NOTE]: stamps the build finished and prints $out last (NOTE goes in the step line).
# shellcheck disable=SC2120 # NOTE is optional
finish() {
  touch "$dir/.complete"
  step "done: $out${1:+ ($1)}"
  echo "$out"
}

# first_line CMD [ARG…] prints the first line of CMD's combined output. The whole output is read
# into a variable first, so no pipe is closed while CMD still writes: `CMD | head -1` under
# `set -o pipefail` exits 141 (SIGPIPE) when CMD writes more than head reads before head exits —
# which on a busy machine happened with `etcd --version`. CMD's own exit status is ignored: a
# version banner is informational.
first_line() {
  local text
  text=$("$@" 2>&1) || true
  printf '%s\n' "${text%%$'\n'*}"
}

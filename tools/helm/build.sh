#!/usr/bin/env bash
# Builds Helm 4 from its Go module (helm.sh/helm/v4/cmd/helm) for the chart tests
# (test/integration/helm-chart.test.ts): `helm lint`, `helm template`, `helm upgrade --install` of
# deploy/helm/serin. Beside it, crds/ gets the Prometheus Operator's ServiceMonitor and PodMonitor
# CRDs from that module's zip, so the tests can check the chart's optional monitors against the API
# server. Cached outside the repository, keyed by HELM_VERSION in tools/controlplane/versions.env.
#
# The module starts from the control plane's go.mod (when that build ran first), so the Kubernetes
# libraries Helm shares with kube-apiserver resolve to the same versions and come from Go's build
# cache instead of being compiled again.
#
# Usage: tools/helm/build.sh              build when missing, print the binary's path last
#        tools/helm/build.sh --print-bin  print the binary's path only (no build)
#        tools/helm/build.sh --background start the build when missing and return at once; its log is
#                                         build.log and its pid build.pid beside the binary (`make test`
#                                         compiles Helm while the first tests run)
# Environment: SERIN_CP_CACHE  root of the cache (default: $HOME/.cache/serin-controlplane)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../controlplane/versions.env
. "$here/../controlplane/versions.env"

root=${SERIN_CP_CACHE:-$HOME/.cache/serin-controlplane}
dir="$root/helm-$HELM_VERSION"
bin="$dir/bin/helm"
if [ "${1:-}" = "--print-bin" ]; then echo "$bin"; exit 0; fi
if [ -x "$bin" ] && [ -f "$dir/.complete" ]; then echo "$bin"; exit 0; fi
if [ "${1:-}" = "--background" ]; then
  mkdir -p "$dir"
  # A build already running (the pid file may outlive its process: check that it is this script).
  if [ -f "$dir/build.pid" ] && grep -qs 'helm/build.sh' "/proc/$(cat "$dir/build.pid")/cmdline"; then exit 0; fi
  nohup bash "$here/build.sh" >"$dir/build.log" 2>&1 </dev/null &
  echo $! >"$dir/build.pid"
  echo "[helm] compiling Helm $HELM_VERSION in the background for the chart tests (log: $dir/build.log)" >&2
  exit 0
fi

export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-modcacherw
start=$(date +%s)
step() { printf '[helm %4ss] %s\n' "$(( $(date +%s) - start ))" "$*" >&2; }
quiet() { "$@" 2> >(grep -v -E '^go: (downloading|added|upgraded|finding) ' >&2); }

work="$root/src/helm-$HELM_VERSION"
mkdir -p "$work" "$dir/bin"
cd "$work"
k8s_mod="$root/src/k8s-$K8S_VERSION"
if [ ! -f go.mod ]; then
  if [ -f "$k8s_mod/go.mod" ]; then
    cp "$k8s_mod/go.mod" "$k8s_mod/go.sum" .
    go mod edit -module=serin.local/helm
  else
    go mod init serin.local/helm >/dev/null 2>&1
  fi
fi
step "helm $HELM_VERSION: resolving modules"
quiet go get -tool "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
# What `helm version` prints (Helm's own Makefile sets it the same way). The Kubernetes version that
# `helm template` and `helm lint` assume without a cluster comes from the k8s.io/client-go module
# version built in (v0.36.x: Kubernetes v1.36), the control plane's.
ld="-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"
step "helm $HELM_VERSION: compiling"
# A heartbeat while the compiler is silent. Its sleep is killed with it: a stray sleep would hold
# this script's output open for up to a minute after the build (callers wait for end of output).
( trap 'kill "$nap" 2>/dev/null; exit 0' TERM
  while :; do sleep 60 & nap=$!; wait "$nap"; step "helm: still building…"; done ) & hb=$!
rc=0
go build -trimpath -ldflags "$ld" -o "$bin" helm.sh/helm/v4/cmd/helm || rc=$?
kill "$hb" 2>/dev/null; wait "$hb" 2>/dev/null || true
[ "$rc" = 0 ] || exit "$rc"
step "Prometheus Operator $PROMETHEUS_OPERATOR_VERSION: fetching the ServiceMonitor and PodMonitor CRDs"
po=$(go mod download -json "$PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
mkdir -p "$dir/crds"
for kind in servicemonitors podmonitors; do
  cp "$po/example/prometheus-operator-crd/monitoring.coreos.com_$kind.yaml" "$dir/crds/"
done
touch "$dir/.complete"
step "done: $bin ($("$bin" version --short 2>/dev/null || echo '?'))"
echo "$bin"

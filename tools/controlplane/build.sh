#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok from their Go modules
# into a cache folder outside the repository, keyed by the versions in versions.env, and fetches the
# upstream CRDs (App Mesh, Gateway API, KEDA) and kwok's stage definitions into the same folder.
#
# Usage: tools/controlplane/build.sh            build what is missing, print the cache folder last
#        tools/controlplane/build.sh --print-dir print the cache folder only (no build)
# Environment: SERIN_CP_CACHE  root of the cache (default: $HOME/.cache/serin-controlplane)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"

root=${SERIN_CP_CACHE:-$HOME/.cache/serin-controlplane}
key="k8s-$K8S_VERSION.etcd-$ETCD_VERSION.kwok-$KWOK_VERSION.appmesh-$APPMESH_VERSION.gwapi-$GATEWAY_API_VERSION"
dir="$root/$key"
bin="$dir/bin"
if [ "${1:-}" = "--print-dir" ]; then echo "$dir"; exit 0; fi
stamp="$dir/.complete"
# KEDA's CRDs came after the first builds: a folder without them only fetches them (no compile).
if [ -f "$stamp" ] && [ -d "$dir/crds/keda" ]; then echo "$dir"; exit 0; fi

export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-modcacherw
work="$root/src"
mkdir -p "$bin" "$work" "$dir/crds/appmesh" "$dir/crds/gateway-api" "$dir/crds/keda" "$dir/kwok"
start=$(date +%s)
step() { printf '[controlplane %4ss] %s\n' "$(( $(date +%s) - start ))" "$*" >&2; }
# Long compiles print nothing for minutes; a heartbeat shows the build is alive.
with_heartbeat() {
  local label=$1; shift
  ( while sleep 60; do step "$label: still building…"; done ) & local hb=$!
  local rc=0; "$@" || rc=$?
  kill "$hb" 2>/dev/null; wait "$hb" 2>/dev/null || true
  return "$rc"
}
moddir() { go mod download -json "$1" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'; }
# Go lists every module it downloads; hundreds of lines that bury the progress. Keep the rest.
quiet() { "$@" 2> >(grep -v -E '^go: (downloading|added|upgraded|finding) ' >&2); }

k8s_minor=$(echo "$K8S_VERSION" | cut -d. -f2)
# kwok is compiled in the same module as the three Kubernetes binaries, by the same `go build`: the
# client-go, apimachinery and api packages it shares with them (817 of its 974 packages) are
# compiled once. Its go.mod is resolved with all four, so they share one version of every module.
k="$work/k8s-$K8S_VERSION"
if [ ! -x "$bin/kube-apiserver" ] || [ ! -x "$bin/kube-controller-manager" ] || [ ! -x "$bin/kube-scheduler" ] || [ ! -x "$bin/kwok" ]; then
  step "kubernetes $K8S_VERSION and kwok $KWOK_VERSION: resolving modules (staging $K8S_STAGING_VERSION)"
  mkdir -p "$k"; cd "$k"
  [ -f go.mod ] || go mod init serin.local/k8sbins >/dev/null 2>&1
  go mod edit -go=1.26.0
  kmod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  for m in $(sed -n 's#^[[:space:]]*k8s.io/\([^ ]*\) => ./staging/src/k8s.io/.*#\1#p' "$kmod"); do
    go mod edit -replace="k8s.io/$m=k8s.io/$m@$K8S_STAGING_VERSION"
  done
  quiet go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  ld="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1"
  ld="$ld -X k8s.io/component-base/version.gitMinor=$k8s_minor -X k8s.io/component-base/version.gitTreeState=clean"
  ld="$ld -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1"
  ld="$ld -X k8s.io/client-go/pkg/version.gitMinor=$k8s_minor"
  step "kubernetes $K8S_VERSION: compiling kube-apiserver, kube-controller-manager, kube-scheduler and kwok (the long part)"
  with_heartbeat kubernetes go build -trimpath -ldflags "$ld" -o "$bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
    sigs.k8s.io/kwok/cmd/kwok
fi

if [ ! -x "$bin/etcd" ]; then
  step "etcd $ETCD_VERSION: building"
  e="$work/etcd-$ETCD_VERSION"; mkdir -p "$e"; cd "$e"
  [ -f go.mod ] || go mod init serin.local/etcd >/dev/null 2>&1
  quiet go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  with_heartbeat etcd go build -trimpath -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3
fi

step "kwok stages, App Mesh $APPMESH_VERSION and Gateway API $GATEWAY_API_VERSION CRDs: fetching"
cd "$work"
kw=$(moddir "sigs.k8s.io/kwok@$KWOK_VERSION")
for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
  pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
  cp "$kw/kustomize/stage/$f" "$dir/kwok/$(basename "$f")"
done
# The App Mesh module is not served by every module proxy (AWS retired App Mesh); without it the
# cluster installs the structural CRDs authored in appmesh-crds/ (see its README).
if am=$(moddir "$APPMESH_MODULE@$APPMESH_VERSION" 2>/dev/null) && [ -n "$am" ]; then
  cp "$am"/config/crd/bases/*.yaml "$dir/crds/appmesh/"
else
  step "App Mesh: $APPMESH_MODULE@$APPMESH_VERSION is not served here; using tools/controlplane/appmesh-crds"
  rm -f "$dir"/crds/appmesh/*.yaml
fi
gw=$(moddir "$GATEWAY_API_MODULE@$GATEWAY_API_VERSION")
for f in "$gw"/config/crd/standard/*.yaml; do
  grep -q '^kind: CustomResourceDefinition' "$f" && cp "$f" "$dir/crds/gateway-api/"
done
step "KEDA $KEDA_VERSION ScaledObject CRD: fetching"
keda=$(moddir "$KEDA_MODULE@$KEDA_VERSION")
cp "$keda/config/crd/bases/keda.sh_scaledobjects.yaml" "$dir/crds/keda/"
chmod -R u+w "$dir"

# first_line keeps the first line of a command's output without closing the pipe early: `cmd | head -1`
# under pipefail fails with SIGPIPE (exit 141) whenever cmd is still writing when head exits.
# shellcheck source=first-line.sh
. "$here/first-line.sh"
for b in kube-apiserver kube-controller-manager kube-scheduler etcd kwok; do
  echo "[controlplane] $b: $(first_line "$bin/$b" --version)" >&2
done
touch "$stamp"
step "done: $dir"
echo "$dir"

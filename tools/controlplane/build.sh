#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok from their Go modules
# into a cache folder outside the repository, keyed by the versions in versions.env, and fetches the
# upstream CRDs (App Mesh, Gateway API, KEDA) and kwok's stage definitions into the same folder.
#
# Usage: tools/controlplane/build.sh              build what is missing, print the cache folder last
#        tools/controlplane/build.sh --print-dir  print the cache folder only (no build)
#        tools/controlplane/build.sh --background start the build when missing and return at once;
#                                                 its log is build.log and its pid build.pid in the folder
# Environment: SERIN_CP_CACHE  root of the cache (default: $HOME/.cache/serin-controlplane)
set -euo pipefail
# shellcheck source=go-build-lib.sh
. "$(dirname "$0")/go-build-lib.sh"

go_tool controlplane "k8s-$K8S_VERSION.etcd-$ETCD_VERSION.kwok-$KWOK_VERSION.appmesh-$APPMESH_VERSION.gwapi-$GATEWAY_API_VERSION"
# KEDA's CRDs came after the first builds: a folder without them only fetches them (no compile).
is_built() { [ -f "$dir/.complete" ] && [ -d "$dir/crds/keda" ]; }
front_matter --print-dir "the local control plane" "$@"

bin="$dir/bin"
mkdir -p "$bin" "$cache_root/src" "$dir/crds/appmesh" "$dir/crds/gateway-api" "$dir/crds/keda" "$dir/kwok"

k8s_minor=$(echo "$K8S_VERSION" | cut -d. -f2)
# kwok is compiled in the same module as the three Kubernetes binaries, by the same `go build`: the
# client-go, apimachinery and api packages it shares with them (817 of its 974 packages) are
# compiled once. Its go.mod is resolved with all four, so they share one version of every module.
if [ ! -x "$bin/kube-apiserver" ] || [ ! -x "$bin/kube-controller-manager" ] || [ ! -x "$bin/kube-scheduler" ] || [ ! -x "$bin/kwok" ]; then
  step "kubernetes $K8S_VERSION and kwok $KWOK_VERSION: resolving modules (staging $K8S_STAGING_VERSION)"
  new_module "k8s-$K8S_VERSION" serin.local/k8sbins
  go mod edit -go=1.26.0
  kmod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  # shellcheck disable=SC2013 # one module path a line, no spaces
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
  new_module "etcd-$ETCD_VERSION" serin.local/etcd
  quiet go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  with_heartbeat etcd go build -trimpath -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3
fi

step "kwok stages, App Mesh $APPMESH_VERSION and Gateway API $GATEWAY_API_VERSION CRDs: fetching"
cd "$cache_root/src"
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

for b in kube-apiserver kube-controller-manager kube-scheduler etcd kwok; do
  echo "[controlplane] $b: $(first_line "$bin/$b" --version)" >&2
done
finish

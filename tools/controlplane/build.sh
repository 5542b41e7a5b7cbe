#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok from their Go modules
# into a cache folder outside the repository, keyed by the versions in versions.env, and fetches the
# upstream CRDs (App Mesh, Gateway API, KEDA) and kwok's stage definitions into the same folder. Its
# Go module is also where tools/gotools/build.sh compiles Go Flagger and Helm afterwards.
#
# Usage: tools/controlplane/build.sh              build what is missing, print the cache folder last
#        tools/controlplane/build.sh --print-dir  print the cache folder only (no build)
#        tools/controlplane/build.sh --background start the build when missing and return at once;
#                                                 its log is build.log and its pid build.pid in the folder
# Environment: SERIN_CP_CACHE  root of the cache (default: $HOME/.cache/serin-controlplane)
set -euo pipefail
# shellcheck source=go-build-lib.sh
. "$(dirname "$0")/go-build-lib.sh"

go_tool controlplane "$controlplane_module.appmesh-$APPMESH_VERSION.gwapi-$GATEWAY_API_VERSION"
front_matter --print-dir "the local control plane" "$@"

bin="$dir/bin"
mkdir -p "$bin" "$cache_root/src" "$dir/crds/appmesh" "$dir/crds/gateway-api" "$dir/crds/keda" "$dir/kwok"

k8s_minor=$(echo "$K8S_VERSION" | cut -d. -f2)
# One `go build` for every Go binary of the cluster (kube-apiserver, the controller manager, the
# scheduler, kwok and etcd), in the module enter_controlplane_module resolves (go-build-lib.sh).
if [ ! -x "$bin/kube-apiserver" ] || [ ! -x "$bin/kube-controller-manager" ] || [ ! -x "$bin/kube-scheduler" ] ||
  [ ! -x "$bin/kwok" ] || [ ! -x "$bin/etcd" ]; then
  enter_controlplane_module
  ld="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1"
  ld="$ld -X k8s.io/component-base/version.gitMinor=$k8s_minor -X k8s.io/component-base/version.gitTreeState=clean"
  ld="$ld -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1"
  ld="$ld -X k8s.io/client-go/pkg/version.gitMinor=$k8s_minor"
  step "kubernetes $K8S_VERSION: compiling kube-apiserver, kube-controller-manager, kube-scheduler, kwok and etcd (the long part)"
  with_heartbeat kubernetes go build -trimpath -ldflags "$ld" -o "$bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
    sigs.k8s.io/kwok/cmd/kwok go.etcd.io/etcd/server/v3
  mv "$bin/server" "$bin/etcd" # Go names the command of .../etcd/server/v3 "server"
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

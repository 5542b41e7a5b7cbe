#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Builds the Go tools the tests and benchmarks run beside Serin, from their Go modules, into one cache
# folder outside the repository keyed by their versions in tools/controlplane/versions.env:
#   bin/flagger    Go Flagger, the peer Serin replaces (takeover tests, bench/scale)
#   bin/helm       Helm 4, for the chart tests (`helm lint`, `helm template`, `helm upgrade --install`)
#   bin/kustomize  kustomize, for the plain-manifest tests (kubectl's built-in one is not ours to pin)
#   crds/          the Prometheus Operator's ServiceMonitor and PodMonitor CRDs, so the chart tests can
#                  check the chart's optional monitors against the API server
# Flagger and Helm compile in the control plane's Go module (enter_controlplane_module in
# go-build-lib.sh says why): after tools/controlplane/build.sh only their own ~600 packages are left.
# kustomize has a small module of its own: it asks for a newer kube-openapi than kube-apiserver's.
#
# Usage: tools/gotools/build.sh              build when missing, print the folder last
#        tools/gotools/build.sh --print-dir  print the folder only (no build)
#        tools/gotools/build.sh --background start the build when missing and return at once; its log
#                                            is build.log and its pid build.pid in the folder (`make
#                                            test` compiles them while the first tests run)
# Environment: SERIN_CP_CACHE  root of the cache (default: $HOME/.cache/serin-controlplane)
set -euo pipefail
# shellcheck source=../controlplane/go-build-lib.sh
. "$(dirname "$0")/../controlplane/go-build-lib.sh"

go_tool gotools "gotools-flagger-$FLAGGER_VERSION.helm-$HELM_VERSION.kustomize-$KUSTOMIZE_VERSION"
is_built() { [ -f "$dir/.complete" ] && [ -x "$dir/bin/flagger" ] && [ -x "$dir/bin/helm" ] && [ -x "$dir/bin/kustomize" ]; }
front_matter --print-dir "Go Flagger $FLAGGER_VERSION, Helm $HELM_VERSION and kustomize $KUSTOMIZE_VERSION" "$@"
mkdir -p "$dir/bin" "$dir/crds"

enter_controlplane_module
step "Flagger $FLAGGER_VERSION and Helm $HELM_VERSION: compiling"
# What `helm version` prints (Helm's own Makefile sets it the same way). The Kubernetes version that
# `helm template` and `helm lint` assume without a cluster comes from the client-go built in: the
# control plane's.
with_heartbeat gotools go build -trimpath -o "$dir/bin/" \
  -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" \
  github.com/fluxcd/flagger/cmd/flagger helm.sh/helm/v4/cmd/helm

new_module "kustomize-$KUSTOMIZE_VERSION" serin.local/kustomize
step "kustomize $KUSTOMIZE_VERSION: resolving modules"
quiet go get -tool "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
step "kustomize $KUSTOMIZE_VERSION: compiling"
with_heartbeat gotools go build -trimpath -o "$dir/bin/kustomize" \
  -ldflags "-s -w -X sigs.k8s.io/kustomize/api/provenance.version=$KUSTOMIZE_VERSION" \
  sigs.k8s.io/kustomize/kustomize/v5

step "Prometheus Operator $PROMETHEUS_OPERATOR_VERSION: fetching the ServiceMonitor and PodMonitor CRDs"
po=$(moddir "$PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION")
for kind in servicemonitors podmonitors; do
  cp "$po/example/prometheus-operator-crd/monitoring.coreos.com_$kind.yaml" "$dir/crds/"
done
chmod -R u+w "$dir/crds"
finish "$("$dir/bin/helm" version --short 2>/dev/null || echo '?'), $("$dir/bin/kustomize" version 2>/dev/null || echo '?')"

#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Builds Helm 4 from its Go module (helm.sh/helm/v4/cmd/helm) for the chart tests
# (test/integration/helm-chart.test.ts): `helm lint`, `helm template`, `helm upgrade --install` of
# deploy/helm/serin. Beside it, crds/ gets the Prometheus Operator's ServiceMonitor and PodMonitor
# CRDs from that module's zip, so the tests can check the chart's optional monitors against the API
# server. Cached outside the repository, keyed by HELM_VERSION in tools/controlplane/versions.env.
# Its module starts from the control plane's go.mod, so the Kubernetes libraries it shares with
# kube-apiserver come from Go's build cache (tools/controlplane/go-build-lib.sh says how).
#
# Usage: tools/helm/build.sh              build when missing, print the binary's path last
#        tools/helm/build.sh --print-bin  print the binary's path only (no build)
#        tools/helm/build.sh --background start the build when missing and return at once; its log is
#                                         build.log and its pid build.pid beside bin/ (`make test`
#                                         compiles Helm while the first tests run)
# Environment: SERIN_CP_CACHE  root of the cache (default: $HOME/.cache/serin-controlplane)
set -euo pipefail
# shellcheck source=../controlplane/go-build-lib.sh
. "$(dirname "$0")/../controlplane/go-build-lib.sh"

go_tool helm "helm-$HELM_VERSION" bin/helm
front_matter --print-bin "Helm $HELM_VERSION for the chart tests" "$@"
module_from_controlplane "helm-$HELM_VERSION" serin.local/helm
# What `helm version` prints (Helm's own Makefile sets it the same way). The Kubernetes version that
# `helm template` and `helm lint` assume without a cluster comes from the k8s.io/client-go module
# version built in (v0.36.x: Kubernetes v1.36), the control plane's.
build_tool helm.sh/helm/v4/cmd/helm "$HELM_VERSION" "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"

step "Prometheus Operator $PROMETHEUS_OPERATOR_VERSION: fetching the ServiceMonitor and PodMonitor CRDs"
po=$(moddir "$PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION")
mkdir -p "$dir/crds"
for kind in servicemonitors podmonitors; do
  cp "$po/example/prometheus-operator-crd/monitoring.coreos.com_$kind.yaml" "$dir/crds/"
done
finish "$("$out" version --short 2>/dev/null || echo '?')"

#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Builds kustomize from its Go module (sigs.k8s.io/kustomize/kustomize/v5) for the plain-manifest
# tests (test/integration/helm-chart.test.ts): `kustomize build deploy/kustomize/...`. Cached
# outside the repository, keyed by KUSTOMIZE_VERSION in tools/controlplane/versions.env. kubectl's
# built-in kustomize is not used: which kubectl a machine has (and its kustomize) is not ours to pin.
#
# Its module starts empty, not from the control plane's go.mod: kustomize asks for newer versions
# of the modules it shares with the control plane (kustomize/api and kyaml v0.21.2 where kwok has
# v0.21.1; golang.org/x/sys, x/text, yaml, kube-openapi, pflag…), so both starts resolve to the
# same packages at the same versions (388, measured with `go list -deps`) and a copy would only
# drag the control plane's other requirements along.
#
# Usage: tools/kustomize/build.sh              build when missing, print the binary's path last
#        tools/kustomize/build.sh --print-bin  print the binary's path only (no build)
#        tools/kustomize/build.sh --background start the build when missing and return at once; its
#                                              log is build.log and its pid build.pid beside bin/
# Environment: SERIN_CP_CACHE  root of the cache (default: $HOME/.cache/serin-controlplane)
set -euo pipefail
# shellcheck source=../controlplane/go-build-lib.sh
. "$(dirname "$0")/../controlplane/go-build-lib.sh"

go_tool kustomize "kustomize-$KUSTOMIZE_VERSION" bin/kustomize
front_matter --print-bin "kustomize $KUSTOMIZE_VERSION for the chart tests" "$@"
new_module "kustomize-$KUSTOMIZE_VERSION" serin.local/kustomize
build_tool sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION" \
  "-s -w -X sigs.k8s.io/kustomize/api/provenance.version=$KUSTOMIZE_VERSION"
finish

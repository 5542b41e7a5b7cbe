#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Builds Go Flagger from its Go module for the takeover tests (test/integration/takeover.test.ts):
# the peer Serin replaces, run side by side on the local control plane. Cached outside the
# repository, keyed by FLAGGER_VERSION in tools/controlplane/versions.env. Its module starts from
# the control plane's go.mod, so the Kubernetes libraries it shares with kube-apiserver come from
# Go's build cache (tools/controlplane/go-build-lib.sh says how).
#
# Usage: tools/flagger/build.sh              build when missing, print the binary's path last
#        tools/flagger/build.sh --print-bin  print the binary's path only (no build)
#        tools/flagger/build.sh --background start the build when missing and return at once; its
#                                            log is build.log and its pid build.pid beside bin/
#                                            (`make test` compiles Flagger while the first tests run)
# Environment: SERIN_CP_CACHE  root of the cache (default: $HOME/.cache/serin-controlplane)
set -euo pipefail
# shellcheck source=../controlplane/go-build-lib.sh
. "$(dirname "$0")/../controlplane/go-build-lib.sh"

go_tool flagger "flagger-$FLAGGER_VERSION" bin/flagger
front_matter --print-bin "Flagger $FLAGGER_VERSION for the takeover tests" "$@"
module_from_controlplane "flagger-$FLAGGER_VERSION" serin.local/flagger
build_tool github.com/fluxcd/flagger/cmd/flagger "$FLAGGER_VERSION" "-s -w"
finish

#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks need, only when something is missing.
set -euo pipefail
need=()
command -v openssl >/dev/null || need+=(openssl)
[ -x /usr/bin/prometheus ] || need+=(prometheus) # a real Prometheus for the metrics tests
command -v go >/dev/null || { echo "Go is required to build the local control plane (tools/controlplane)"; exit 1; }
if [ ${#need[@]} -gt 0 ]; then
  echo "[system-deps] installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

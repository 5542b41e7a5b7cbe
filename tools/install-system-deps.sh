#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks need, only when something is missing.
# `--node` installs only what the pinned Node needs (tools/node/install.sh): `make demo` needs no more.
set -euo pipefail
need=()
# Node's official Linux binaries link libatomic.
/sbin/ldconfig -p | grep -q 'libatomic\.so\.1' || need+=(libatomic1)
if [ "${1:-}" != "--node" ]; then
  command -v openssl >/dev/null || need+=(openssl)
  [ -x /usr/bin/prometheus ] || need+=(prometheus) # a real Prometheus for the metrics tests
  [ -x /usr/bin/chromium ] || need+=(chromium)     # a real browser for the dashboard tests (no download)
  command -v go >/dev/null || { echo "Go is required to build the local control plane (tools/controlplane)"; exit 1; }
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "[system-deps] installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

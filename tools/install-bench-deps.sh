#!/usr/bin/env bash
# Installs the Debian packages only the benchmarks need (not the tests): `hey`, the load generator
# bench/loadgen-bench.ts measures Serin's built-in one against. Does nothing when it is there.
set -euo pipefail
need=()
[ -x /usr/bin/hey ] || need+=(hey)
if [ ${#need[@]} -gt 0 ]; then
  echo "[bench-deps] installing: ${need[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi

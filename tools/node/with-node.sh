#!/usr/bin/env bash
# Runs a command with the pinned Node (tools/node/install.sh, installed when missing) first on PATH,
# so `node`, `npx` and everything they spawn (process.execPath) run on it: `make test`, `make demo`
# and `make bench` go through here. Usage: tools/node/with-node.sh <command> [args…]
set -euo pipefail
bin=$("$(dirname "$0")/install.sh")
export PATH="$bin:$PATH"
exec "$@"

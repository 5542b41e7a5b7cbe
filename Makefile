# The two commands a fresh clone needs: `make demo` and `make test`. Each installs what it needs first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NPM_STAMP := node_modules/.package-lock.json

.PHONY: help demo test test-prepare test-unit bench lint typecheck crds controlplane system-deps dev-cluster-up dev-cluster-down

help:
	@echo "make demo    - play the seed's release scenarios on the embedded simulator (no cluster)"
	@echo "make test    - install everything (control plane included) and run every test"
	@echo "make bench   - run bench/ and print 'BENCH <name> <value> <unit>' lines"

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(NPM_STAMP)

system-deps:
	@tools/install-system-deps.sh

controlplane:
	@tools/controlplane/build.sh >/dev/null

demo: $(NPM_STAMP)
	@npx tsx src/bin/serin.ts demo

typecheck: $(NPM_STAMP)
	npx tsc --noEmit

lint: $(NPM_STAMP)
	npx eslint .
	npx prettier --check .

crds: $(NPM_STAMP)
	npx tsx src/api/generate-crds.ts

test-unit: $(NPM_STAMP)
	npx tsx test/run.ts --unit

# The control-plane build (CPU) runs beside the package installs (network, disk); Go Flagger, needed
# only by the takeover tests, compiles in the background while the first tests run.
test:
	@$(MAKE) --no-print-directory -j4 --output-sync=line test-prepare
	@tools/flagger/build.sh --background
	npx tsx test/run.ts

test-prepare: system-deps $(NPM_STAMP) controlplane typecheck lint

bench: system-deps $(NPM_STAMP) controlplane
	@npx tsx bench/run.ts

dev-cluster-up: $(NPM_STAMP) controlplane
	@npx tsx src/bin/serin.ts dev-cluster up

dev-cluster-down: $(NPM_STAMP)
	@npx tsx src/bin/serin.ts dev-cluster down

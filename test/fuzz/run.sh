#!/usr/bin/env bash
# API fuzzing: schemathesis (PyPI) against the OpenAPI document the service serves, with all
# of its checks, including negative data and the stateful phase that follows the document's
# links. Zero server errors and zero replies that break the document, or this fails.
#
#   npm run fuzz                 (FUZZ_MAX_EXAMPLES, FUZZ_SEED to tune)
set -euo pipefail
cd "$(dirname "$0")/../.."

SCHEMATHESIS_VERSION=4.32.5
VENV="${FUZZ_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/auth-api/schemathesis-$SCHEMATHESIS_VERSION}"
if [ ! -x "$VENV/bin/st" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi

[ -f dist/server.js ] || npm run build
port="$(node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
data="$(mktemp -d)"
log="$(mktemp)"
cleanup() {
  [ -n "${server:-}" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

# A throwaway service on its own embedded mongod, with an admin to fuzz the admin API as.
PORT="$port" NODE_ENV=development MONGODB_DATA_DIR="$data" LOG_LEVEL=warn \
  JWT_SECRET="fuzz-$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')" \
  AUTH_MAX_REQUESTS_PER_IP=10000000 \
  ADMIN_USERNAME=fuzzadmin ADMIN_EMAIL=fuzzadmin@example.com ADMIN_PASSWORD=fuzz-admin-password \
  node dist/server.js >"$log" 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 300); do
  curl -fsS "$base/health/ready" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.2
done

token="$(curl -fsS -X POST "$base/api/auth/signin" -H 'Content-Type: application/json' \
  -d '{"username":"fuzzadmin","password":"fuzz-admin-password"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).accessToken')"

# schemathesis closes with a pytest-style banner ("==== 2 warnings in 39.04s ===="). CI reads
# such a line as pytest's summary of a run that executed no test, so the banners are redrawn
# ("---- 2 warnings (39.04s) ----"); the exit status is schemathesis's own (pipefail).
status=0
(cd test/fuzz && "$VENV/bin/st" run "$base/api/docs.json" \
  --checks all \
  --mode all \
  --phases examples,coverage,fuzzing,stateful \
  --header "x-access-token: $token" \
  --max-examples "${FUZZ_MAX_EXAMPLES:-50}" \
  --seed "${FUZZ_SEED:-1}" \
  --workers 2 \
  --no-color | sed -E 's/^=+ (.*) in ([0-9.]+s) =+$/---- \1 (\2) ----/; s/^=+ (.*) =+$/---- \1 ----/') || status=$?

if grep -q '"level":50\|"level":60' "$log"; then
  echo "fuzz: the service logged errors:" >&2
  grep '"level":50\|"level":60' "$log" | head -20 >&2
  status=1
fi
exit "$status"

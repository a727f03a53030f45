#!/usr/bin/env bash
# CI step (and `npm run postman:run`): starts the service as `npm start` does (embedded
# mongod in a temporary folder, a bootstrap admin) and runs the Postman journey against it
# with newman, twice in a row; every assertion must pass.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/.build-stamp ] || npm run build

work="$(mktemp -d)"
cleanup() {
  [ -n "${service:-}" ] && kill -- "-$service" 2>/dev/null || true
  sleep 1
  rm -rf "$work"
}
trap cleanup EXIT

port="$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")"
admin_password="Bootstrap-pass-$(node -e "console.log(require('crypto').randomBytes(9).toString('base64url'))")"
PORT="$port" MONGODB_DATA_DIR="$work/data" LOG_FORMAT=json \
  ADMIN_USERNAME=journey-admin ADMIN_EMAIL=journey-admin@example.com ADMIN_PASSWORD="$admin_password" \
  setsid node dist/server.js >"$work/service.log" 2>&1 &
service=$!
for _ in $(seq 1 150); do
  curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null || { cat "$work/service.log"; exit 1; }

npx newman run docs/auth-api.journey.postman_collection.json \
  --environment docs/auth-api.postman_environment.json \
  --env-var "baseUrl=http://127.0.0.1:$port" \
  --env-var adminUsername=journey-admin --env-var "adminPassword=$admin_password" \
  --iteration-count 2 --bail --color off --disable-unicode

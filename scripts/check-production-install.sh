#!/usr/bin/env bash
# CI step: the README's production install, tried on a copy of this built tree. It installs
# the runtime dependencies only (`npm ci --omit=dev`: no TypeScript, no mongodb-memory-server),
# starts the service with `npm start` against a mongod run directly, and checks that it is
# ready, takes a sign-up and a sign-in, and stops cleanly on SIGTERM.
#   npm run build && bash scripts/check-production-install.sh
cd "$(dirname "$0")/.."
[ -f dist/.build-stamp ] || { echo "run npm run build first" >&2; exit 1; }
source scripts/service-lib.sh
stop_mongod() { [ -f "$work/mongod.pid" ] && kill "$(cat "$work/mongod.pid")" 2>/dev/null || true; }
trap 'stop_service; stop_mongod; _cleanup' EXIT

mongod="$(node -e "require('./dist/db/mongod-binary.js').findMongod({ systemBinary: process.env.MONGOMS_SYSTEM_BINARY }).then((b) => console.log(b.path))")"
db_port="$(free_port)"
mkdir -p "$work/db"
"$mongod" --dbpath "$work/db" --port "$db_port" --bind_ip 127.0.0.1 --logpath "$work/mongod.log" --pidfilepath "$work/mongod.pid" --fork >/dev/null

# The built tree as a deployment gets it: sources, lockfile, dist/ (mtimes kept, so that
# `npm start` sees the build as current); no node_modules.
mkdir -p "$work/app"
tar --exclude=./node_modules --exclude=./.data --exclude=./.git -cf - . | tar -xpf - -C "$work/app"
cd "$work/app"
npm ci --omit=dev --no-audit --no-fund --loglevel=error
[ ! -d node_modules/typescript ] && [ ! -d node_modules/mongodb-memory-server ] || { echo "dev dependencies were installed" >&2; exit 1; }

port="$(free_port)"
NODE_ENV=production PORT="$port" MONGODB_URI="mongodb://127.0.0.1:$db_port/auth" \
  JWT_SECRET="$(node -e "console.log(require('crypto').randomBytes(48).toString('base64url'))")" \
  setsid npm start >"$work/service.log" 2>&1 &
# A process group of its own (npm, its shell, node): SIGTERM goes to all of them.
service=$!
wait_ready "http://127.0.0.1:$port" "$work/service.log"
curl -fsS -X POST "http://127.0.0.1:$port/api/auth/signup" -H 'Content-Type: application/json' \
  -d '{"username":"prod-check","email":"prod-check@example.com","password":"a-long-check-password"}' >/dev/null
signin="$(curl -fsS -X POST "http://127.0.0.1:$port/api/auth/signin" -H 'Content-Type: application/json' \
  -d '{"username":"prod-check","password":"a-long-check-password"}')"
[[ "$signin" == *accessToken* ]] || { echo "sign-in: $signin"; exit 1; }
# SIGTERM, as an orchestrator sends it: node drains and exits 0.
kill -TERM -- "-$service"
wait "$service" || true
service=
# npm may return before node has drained: give it the 10 s its shutdown allows.
for _ in $(seq 1 50); do
  grep -q '"msg":"shutdown complete"' "$work/service.log" && break
  sleep 0.2
done
grep -q '"msg":"shutdown complete"' "$work/service.log" || { cat "$work/service.log"; exit 1; }
echo "production install: npm ci --omit=dev, npm start (no build), ready, sign-up and sign-in, clean stop: ok"

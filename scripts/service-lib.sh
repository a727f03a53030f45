# Sourced by the CI step scripts that run the built service as a process of its own:
#   source scripts/service-lib.sh
#   start_service VAR=value …     (PORT and MONGODB_DATA_DIR are set here; $port, $work)
# The service runs in a process group of its own, stopped with the script (SIGTERM).
set -euo pipefail

work="$(mktemp -d)"
service=
stop_service() {
  [ -n "${service:-}" ] && kill -TERM -- "-$service" 2>/dev/null || true
  service=
}
_cleanup() {
  stop_service
  sleep 1
  rm -rf "$work"
}
trap _cleanup EXIT

free_port() { node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})"; }

# Waits for readiness; prints the service's log and fails when it does not come.
wait_ready() {
  local url="$1" log="$2"
  for _ in $(seq 1 150); do
    curl -fsS "$url/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  cat "$log"
  return 1
}

start_service() {
  [ -f dist/.build-stamp ] || npm run build
  port="$(free_port)"
  env PORT="$port" MONGODB_DATA_DIR="$work/data" LOG_FORMAT=json "$@" setsid node dist/server.js >"$work/service.log" 2>&1 &
  service=$!
  wait_ready "http://127.0.0.1:$port" "$work/service.log"
}

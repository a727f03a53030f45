#!/usr/bin/env bash
# CI step: runs the README's "Try it with curl" block, as written, against a fresh service
# started as the README's Quick start says (with its first admin), and checks what it printed
# and the variables it set: the README's examples cannot drift from the service.
cd "$(dirname "$0")/.."
source scripts/service-lib.sh

start_service ADMIN_USERNAME=admin ADMIN_EMAIL=admin@example.com ADMIN_PASSWORD='change-this-root-password'

# The block between the markers, with the service's port.
awk '/<!-- walkthrough:start -->/{on=1; next} /<!-- walkthrough:end -->/{on=0} on' README.md |
  sed -e '/^```/d' -e "s#^API=http://localhost:8080#API=http://localhost:$port#" >"$work/walkthrough.sh"
cat >>"$work/walkthrough.sh" <<'CHECK'
for name in TOKEN REFRESH USER_ID SESSION_ID ADMIN_TOKEN; do
  value="${!name}"
  if [ -z "$value" ] || [ "$value" = undefined ]; then echo "walkthrough: \$$name was not set" >&2; exit 1; fi
done
CHECK
(cd "$work" && bash -euo pipefail walkthrough.sh) >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; exit 1; }
for expected in 'User was registered successfully!' 'Public Content.' 'User Content.' 'Require Moderator Role!' \
  'Moderator Content.' '"type":"signin_succeeded"' "You've been signed out!"; do
  grep -qF "$expected" "$work/out.txt" || { echo "walkthrough: no \"$expected\" in:"; cat "$work/out.txt"; exit 1; }
done
echo "README walkthrough: every command ran, every variable was set"

#!/usr/bin/env bash
# CI step (and `npm run postman:run`): starts the service as `npm start` does (embedded
# mongod in a temporary folder, a bootstrap admin) and runs the Postman journey against it
# with newman, twice in a row; every assertion must pass.
cd "$(dirname "$0")/.."
source scripts/service-lib.sh

admin_password="Bootstrap-pass-$(node -e "console.log(require('crypto').randomBytes(9).toString('base64url'))")"
start_service ADMIN_USERNAME=journey-admin ADMIN_EMAIL=journey-admin@example.com ADMIN_PASSWORD="$admin_password"

npx newman run docs/auth-api.journey.postman_collection.json \
  --environment docs/auth-api.postman_environment.json \
  --env-var "baseUrl=http://127.0.0.1:$port" \
  --env-var adminUsername=journey-admin --env-var "adminPassword=$admin_password" \
  --iteration-count 2 --bail --color off --disable-unicode

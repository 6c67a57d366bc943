#!/usr/bin/env bash
# Property-based API tests: schemathesis generates requests from the OpenAPI spec podium serves
# and checks every answer against it (status codes, content types, schemas, headers; no 5xx).
# Runs the debug binary `cargo test` built, on a fresh SQLite database with the demo data.
#
#   tests/support/schemathesis.sh [extra schemathesis options, e.g. --seed 42]
#
# SCHEMATHESIS_MAX_TIME bounds the run in seconds (default 120).
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=target/debug/podium
[ -x "$bin" ] || cargo build --bin podium

work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export DATABASE_URL="sqlite://$work/podium.db?mode=rwc"
export PODIUM_MAIL_DIR="$work/mail"
export PODIUM_RATE_LIMIT=0
export RUST_LOG=warn

"$bin" seed demo >/dev/null
token=$("$bin" organiser add --name "Schemathesis" --email schemathesis@example.org --admin | tail -n 1)

# A free port: the kernel picks one, podium binds it right after.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PODIUM_BIND="127.0.0.1:$port" "$bin" serve >"$work/podium.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/podium.log"; exit 1; }
  sleep 0.1
done

status=0
# `--checks all` includes status_code_conformance: every status must be listed in the spec
# (src/openapi.rs adds the ones every route can give).
# Excluded operations: those that rotate or revoke the token this run authenticates with
# (`/organisers/me/rotate`, `/organisers/{id}/rotate`, `DELETE /organisers/{id}`); after either,
# every later request would be a 401. tests/api/organisers.rs and authorization.rs cover them.
# Every check runs, the data checks too: schema-valid data must be accepted, schema-violating
# data refused. The spec states each field's rules (lengths, enums, ranges, formats, patterns
# for control characters, years, zone names); tests/support/schemathesis.toml names, operation
# by operation, the answers JSON Schema cannot foretell (an opaque cursor, an end after its
# start, `If-Match`, stored data such as required questions).
schemathesis --config-file tests/support/schemathesis.toml run "http://127.0.0.1:$port/api-docs/openapi.json" \
  -H "Authorization: Bearer $token" \
  --checks all \
  --exclude-path-regex 'rotate|organisers/\{id\}' \
  --max-time "${SCHEMATHESIS_MAX_TIME:-120}" \
  --request-timeout 20 \
  --no-color \
  "$@" || status=$?

# The token must have stayed valid through the run: after a rotation or revocation every answer
# would be a 401 and the statuses of the routes behind it would go unchecked.
me=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$port/api/v1/organisers/me")
if [ "$me" != "200" ]; then
  echo "the run's token no longer works (GET /api/v1/organisers/me answered $me)"
  status=1
fi

# A 5xx fails the run above; a failure podium logged (a panic, an internal error) fails it too.
if grep -E 'request failed|panicked' "$work/podium.log" >/dev/null; then
  echo "podium logged failures during the run:"
  grep -E 'request failed|panicked' "$work/podium.log" | head -n 20
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "== the last lines podium logged"
  tail -n 30 "$work/podium.log"
fi
exit "$status"

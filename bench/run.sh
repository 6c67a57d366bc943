#!/usr/bin/env bash
# podium's load benchmark: registrations, attendee list, calendar feed and schedule, 304s, the
# event JSON, the HTML pages (event page, attendee page, the registration form), and a mixed load, against a release build on SQLite or PostgreSQL, with wrk on the
# same machine. In the same run it measures the limits each scenario is compared with
# (bench/limit.rs: actix-web answering an empty body, or podium's own answer to the scenario's
# request, the same headers and as many bytes, from memory; pgbench single-row inserts on
# PostgreSQL) and prints every scenario as a ratio to its
# limit: the ratios are what bench/README.md records, since absolute rates differ by 2x between
# machines of the same kind.
#
#   bench/run.sh sqlite|postgres [duration_seconds]
#   PREFILL=100000 SCENARIOS="register attendee-list" bench/run.sh postgres 10
#
# SCENARIOS="feed feed-304" runs only those (default: register attendee-list feed feed-304
# schedule event-json event-page attendee-page form; also form-nokey and mixed). Prints one line
# per scenario and round (requests/s, p50/p99 latency, errors) with podium's RSS, then the table
# of ratios to the limits.
#
# Each scenario's limit is measured right after it, in every round (ROUNDS, default 1; the
# README's runs use 3: scenario, limit, scenario, limit, ...), and the table gives the median
# ratio of the rounds with their range: on this kind of machine one limit alone moved between
# 117 000 and 151 000 answers a second within a few minutes, so a scenario measured minutes
# from its limit was compared with another state of the machine (bench/README.md, session 10).
# LIMIT_HEADERS=0 measures a body of the answer's size without podium's headers instead (the
# limit of sessions 8–12); BODY_LIMIT=1 measures that one too, after each round's scenario,
# and the table shows both ratios (session 13). LIMITS=0 skips the limits;
# DRAIN=0 starts each scenario and limit without waiting for the mail queue to be empty (see
# `drain`).
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
duration=${2:-10}
connections=${CONNECTIONS:-16}
port=${PORT:-18090}
work=$(mktemp -d /tmp/podium-bench.XXXXXX)
base="http://127.0.0.1:$port"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
# PODIUM_BIN runs another build (e.g. one with frame pointers for perf) instead.
if [ -z "${PODIUM_BIN:-}" ]; then cargo build --release --quiet --bin podium; fi
# LIMIT_BIN: another build of bench/limit.rs (as PODIUM_BIN for podium).
if [ "${LIMITS:-1}" != 0 ] && [ -z "${LIMIT_BIN:-}" ]; then cargo build --release --quiet --example bench_limit; fi
limit_bin=${LIMIT_BIN:-target/release/examples/bench_limit}
bin=${PODIUM_BIN:-target/release/podium}

case "$backend" in
  sqlite) export DATABASE_URL="sqlite://$work/bench.db?mode=rwc" ;;
  postgres)
    db="podium_bench_$(date +%s)"
    PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
    # Loopback: no TLS (with TLS, sqlx's rustls socket stalls on large statements; see README).
    export DATABASE_URL="postgres://postgres:postgres@127.0.0.1:5432/$db?sslmode=${SSLMODE:-disable}" ;;
  *) echo "usage: $0 sqlite|postgres [seconds]" >&2; exit 2 ;;
esac
# As `cargo run` and the Dockerfile do (.cargo/config.toml).
export MALLOC_ARENA_MAX=2
# PostgreSQL needs the server secret that manage links derive from (README, Data protection).
export PODIUM_SECRET="$work/podium.secret"
# Mail goes to .eml files (the stand-in for an SMTP server) on tmpfs when there is one: on the
# disk, ext4's inode allocation in a directory of 100 000 new files (after earlier runs deleted
# as many) took a quarter of the machine's CPU, which an SMTP server would not cost podium.
maildir="$work/mail"
if [ -d /dev/shm ] && [ -w /dev/shm ]; then maildir=$(mktemp -d /dev/shm/podium-bench-mail.XXXXXX); fi
export PODIUM_BIND="127.0.0.1:$port" PODIUM_RATE_LIMIT=0 RUST_LOG=${RUST_LOG:-warn} PODIUM_MAIL_DIR="$maildir"
export PODIUM_PUBLIC_URL="$base"

token=$($bin organiser add --name Bench --email bench@bench.example --admin | tail -n 1)
$bin serve > "$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid ${limit_pid:-} 2>/dev/null; wait $pid 2>/dev/null; cp "$work/serve.log" /tmp/last-serve.log 2>/dev/null; rm -rf /tmp/last-bench; mkdir -p /tmp/last-bench; cp "$work"/*.txt "$work"/limits.tsv /tmp/last-bench/ 2>/dev/null; rm -rf "$work" "$maildir"; [ -n "${db:-}" ] && PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db"' EXIT
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

api() { curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# An event with room for every registration the run makes, and a 150-slot programme.
api -X POST "$base/api/v1/events" -d '{"title":"Bench","slug":"bench","timezone":"Europe/Berlin",
  "starts_at":"2030-06-24T08:00:00+02:00","ends_at":"2030-06-26T20:00:00+02:00","capacity":1000000}' >/dev/null
api -X POST "$base/api/v1/events/bench/publish" >/dev/null
python3 bench/programme.py "$base" "$token" bench 150
# PREFILL=100000 measures with that many attendees already registered.
if [ "${PREFILL:-0}" -gt 0 ]; then python3 bench/prefill.py "$DATABASE_URL" bench "$PREFILL"; fi
# Let the mail worker send the programme's mails before measuring.
sleep "${SETTLE:-0}"

report() { # name, wrk output file
  python3 bench/wrk_summary.py "$1" "$2"
  awk '/VmRSS/{now=$2} /VmHWM/{peak=$2} END{printf "  podium RSS after it: %d MiB (peak so far %d MiB)\n", now/1024, peak/1024}' /proc/$pid/status
}
scenarios=" ${SCENARIOS:-register attendee-list feed feed-304 schedule event-json event-page attendee-page form} "
rounds=${ROUNDS:-1}
# Each scenario, and each limit, start once the mail worker has sent what the scenarios
# before left queued (up to 120 s): the register scenario leaves 10 000–40 000
# confirmations, whose sending ran into the next scenarios (and into the limits) and measured
# them beside a mail worker at full tilt (bench/README.md, session 8). The mixed scenario
# still measures registrations, their mails and reads at once. DRAIN=0: do not wait.
drain() {
  [ "${DRAIN:-1}" != 0 ] || return 0
  local waited=0 queued
  while :; do
    queued=$(curl -s "$base/metrics" | awk '$1=="podium_mail_queued"{print $2}')
    [ "${queued:-0}" = 0 ] && break
    [ "$waited" -ge 240 ] && { echo "  mail queue still at $queued after 120 s"; break; }
    sleep 0.5; waited=$((waited + 1))
  done
  [ "$waited" -gt 0 ] && echo "  (waited $((waited / 2)).$((waited % 2 * 5)) s for the mail queue to drain)"
  return 0
}

# The limits, with the same wrk settings, while podium idles (bench/limit.rs): actix-web alone
# answering an empty body or the scenario's answer from memory, and pgbench's
# single-row inserts on PostgreSQL. limits.tsv names each scenario's limit for ratios.py.
limit_port=$((port + 1))
: > "$work/limits.tsv"
if [ "${LIMITS:-1}" != 0 ]; then
  "$limit_bin" "127.0.0.1:$limit_port" &
  limit_pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$limit_port/bare" >/dev/null && break; sleep 0.1; done
  if [ "$backend" = postgres ] && [[ "$scenarios" == *" register "* ]]; then
    PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d "$db" -qc \
      "CREATE TABLE bench_limit (id bigserial PRIMARY KEY, payload text NOT NULL)"
    echo "INSERT INTO bench_limit (payload) VALUES (md5(random()::text));" > "$work/insert.sql"
  fi
fi
# What the scenario is compared with: "body PATH [TOKEN]" (a body of that answer's size),
# "bare", "pgbench", or nothing.
limit_of() {
  case "$1" in
    feed) echo "body /api/v1/events/bench/calendar.ics" ;;
    schedule) echo "body /api/v1/events/bench/schedule" ;;
    event-json) echo "body /api/v1/events/bench" ;;
    attendee-list) echo "body /api/v1/events/bench/registrations?limit=${LIST_LIMIT:-50} $token" ;;
    event-page) echo "body /events/bench" ;;
    attendee-page) echo "body /registrations/$attendee" ;;
    feed-304 | form | form-nokey) echo bare ;;
    register) [ "$backend" = postgres ] && echo pgbench ;;
  esac
  return 0
}
measure_limit() { # scenario, round
  [ "${LIMITS:-1}" != 0 ] || return 0
  local kind path auth size out="$work/limit-$1.$2.txt" what
  read -r kind path auth <<< "$(limit_of "$1")"
  case "$kind" in
    body | bare)
      local args=() at=/bare
      what="actix-web answering an empty body"
      if [ "$kind" = body ]; then
        if [ -n "${auth:-}" ]; then args=(-H "Authorization: Bearer $auth"); fi
        curl -s "${args[@]}" -D "$work/answer.head" -o "$work/answer.body" "$base$path"
        size=$(wc -c < "$work/answer.body")
        at="/body/$size" what="actix-web answering $size bytes from memory"
        if [ "${LIMIT_HEADERS:-1}" != 0 ]; then
          # podium's answer as it came, less what actix-web writes itself.
          tr -d '\r' < "$work/answer.head" \
            | grep -v -i -E '^(HTTP/|date:|content-length:|connection:|keep-alive:|transfer-encoding:|$)' \
            > "$work/answer.lines" || true
          if curl -sf -X PUT --data-binary @"$work/answer.lines" \
            "http://127.0.0.1:$limit_port/answer/$1?bytes=$size" >/dev/null; then
            at="/answer/$1"
            what="actix-web answering the same $size bytes and $(wc -l < "$work/answer.lines") headers (as podium's answer) from memory"
          else
            echo "  (the limit server refused podium's headers: the body alone is the limit)"
          fi
        fi
      fi
      wrk -t2 -c"$connections" -d"${duration}s" --latency "http://127.0.0.1:$limit_port$at" \
        > "$out" 2>/dev/null || true
      # BODY_LIMIT=1: the body alone as well, measured after the limit above (which stays the
      # one right after its scenario).
      if [ "$kind" = body ] && [ "${BODY_LIMIT:-0}" = 1 ] && [ "$at" != "/body/$size" ]; then
        wrk -t2 -c"$connections" -d"${duration}s" --latency "http://127.0.0.1:$limit_port/body/$size" \
          > "$work/bodylimit-$1.$2.txt" 2>/dev/null || true
      fi ;;
    pgbench)
      PGPASSWORD=postgres pgbench -h 127.0.0.1 -U postgres -n -c "$connections" -j 2 \
        -T "$duration" -f "$work/insert.sql" "$db" > "$out" 2>&1 || true
      # The next register round should not pay for pgbench's rows (WAL, checkpoint).
      PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d "$db" -qc "TRUNCATE bench_limit" -c CHECKPOINT || true
      what="pgbench single-row inserts, $connections clients" ;;
    *) what="no limit measured on $backend" ;;
  esac
  if [ "$kind" = pgbench ]; then
    awk '/^tps = /{printf "  limit          %7.0f inserts/s (pgbench)\n", $3}' "$out"
  elif [ -n "$kind" ]; then
    python3 bench/wrk_summary.py "  limit" "$out" 2>/dev/null || true
    if [ -f "$work/bodylimit-$1.$2.txt" ]; then
      python3 bench/wrk_summary.py "  body only" "$work/bodylimit-$1.$2.txt" 2>/dev/null || true
    fi
  fi
  [ "$2" = 1 ] && printf '%s\t%s\n' "$1" "$what" >> "$work/limits.tsv"
  return 0
}
run() { # name, wrk args...: ROUNDS times the scenario, each followed by its limit. "@ROUND" in
  # an argument is the round's number (the e-mail prefix of each round's new attendees).
  local name=$1 round; shift
  [[ "$scenarios" == *" $name "* ]] || return 0
  for round in $(seq 1 "$rounds"); do
    drain
    wrk -t2 -c"$connections" -d"${duration}s" --latency "${@//@ROUND/$round}" > "$work/$name.$round.txt" 2>"$work/$name.err" || true
    head -c 600 "$work/$name.err"
    report "$name #$round" "$work/$name.$round.txt"
    drain
    measure_limit "$name" "$round"
  done
}

echo "backend=$backend connections=$connections duration=${duration}s rounds=$rounds"
run register -s bench/register.lua "$base" -- /api/v1/events/bench/registrations r@ROUND
run attendee-list -s bench/get.lua "$base" -- "/api/v1/events/bench/registrations?limit=${LIST_LIMIT:-50}" "$token"
run feed -s bench/get.lua "$base" -- /api/v1/events/bench/calendar.ics
etag=$(curl -sI "$base/api/v1/events/bench/calendar.ics" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
run feed-304 -s bench/get.lua "$base" -- /api/v1/events/bench/calendar.ics - "$etag"
run schedule -s bench/get.lua "$base" -- /api/v1/events/bench/schedule
run event-json -s bench/get.lua "$base" -- /api/v1/events/bench
# The HTML pages (issue 11 item 7): the public event page with the 150-slot programme (each
# answer with a fresh form key), an attendee's page, and the registration form as a browser
# posts it, a new attendee each time, with a fresh form key (form) or none (form-nokey).
run event-page -s bench/get.lua "$base" -- /events/bench
attendee=$(curl -sf -H 'Content-Type: application/json' "$base/api/v1/events/bench/registrations" \
  -d '{"name":"Bench Page","email":"page@bench.example","organisation":"Bench GmbH","sector":"science","language":"de","consent":true}' \
  | json "['manage_token']")
run attendee-page -s bench/get.lua "$base" -- "/registrations/$attendee"
run form -s bench/form.lua "$base" -- /events/bench/register f@ROUND key
run form-nokey -s bench/form.lua "$base" -- /events/bench/register n@ROUND none
# Issue 6: the mixed load at 64 clients for 60 s (not in the default set: SCENARIOS=mixed).
if [[ "$scenarios" == *" mixed "* ]]; then
  drain
  wrk -t2 -c64 -d"${MIXED_SECONDS:-60}s" --latency -s bench/mixed.lua "$base" -- "$token" "$etag" m1 \
    > "$work/mixed.1.txt" 2>"$work/mixed.err" || true
  head -c 600 "$work/mixed.err"
  report mixed "$work/mixed.1.txt"
fi
curl -s "$base/metrics" > "$work/metrics.txt" || true
if [ -n "${limit_pid:-}" ]; then
  kill "$limit_pid" 2>/dev/null || true
  wait "$limit_pid" 2>/dev/null || true
  limit_pid=
fi

if [ "${LIMITS:-1}" != 0 ]; then echo; python3 bench/ratios.py "$work"; fi
# podium's own latency per route (handler start to response), as a check on wrk's percentiles.
python3 bench/server_latency.py "$work/metrics.txt"
echo "registrations so far: $(api "$base/api/v1/events/bench" | json "['confirmed_count']")"
echo "peak RSS: $(awk '/VmHWM/{print $2, $3}' /proc/$pid/status)"

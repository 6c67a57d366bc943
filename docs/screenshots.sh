#!/bin/sh
# Screenshots of podium's pages from the running demo, into docs/screenshots/:
# the event page and an attendee's page, in German and English, at desktop (1280 px) and
# phone (390 px) width. Needs curl and Chromium (`chromium --headless --screenshot`).
#
#   docs/screenshots.sh            # builds podium, seeds the demo into a temporary database,
#                                  # serves it on 127.0.0.1:$PORT (default 18090), shoots, stops
set -eu
cd "$(dirname "$0")/.."
port=${PORT:-18090}
base="http://127.0.0.1:$port"
out=docs/screenshots
work=$(mktemp -d)
export DATABASE_URL="sqlite://$work/demo.db?mode=rwc"
export PODIUM_BIND="127.0.0.1:$port" PODIUM_PUBLIC_URL="$base"
export PODIUM_MAIL_DIR="$work/mail" PODIUM_RATE_LIMIT=0 RUST_LOG=warn
cargo build --quiet
target/debug/podium seed demo
target/debug/podium serve >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT INT TERM
for _ in $(seq 1 100); do
    curl -fs "$base/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done

# One attendee per language, registered through the API; their pages are the manage_url.
register() {
    curl -fs -H 'Content-Type: application/json' \
        -d "{\"name\":\"$1\",\"email\":\"$2\",\"organisation\":\"$3\",\"sector\":\"science\",\"language\":\"$4\",\"consent\":true}" \
        "$base/api/v1/events/jahrestagung-2027/registrations" |
        sed -n 's/.*"manage_url":"\([^"]*\)".*/\1/p'
}
attendee_de=$(register "Dr. Katrin Weber" "k.weber@example.org" "Institut für Keramische Werkstoffe" de)
attendee_en=$(register "Jonas Miller" "j.miller@example.org" "ReCarbon GmbH" en)

shoot() { # name url width height
    chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
        --disable-background-networking --disable-component-update --disable-sync --no-first-run \
        --window-size="$3,$4" --screenshot="$out/$1.png" "$2" >/dev/null 2>&1
    echo "$out/$1.png"
}
for lang in de en; do
    shoot "event-$lang-desktop" "$base/events/jahrestagung-2027?lang=$lang" 1280 2000
    shoot "event-$lang-phone" "$base/events/jahrestagung-2027?lang=$lang" 390 2600
done
shoot attendee-de-desktop "$attendee_de" 1280 1100
shoot attendee-de-phone "$attendee_de" 390 1500
shoot attendee-en-desktop "$attendee_en" 1280 1100
shoot attendee-en-phone "$attendee_en" 390 1500

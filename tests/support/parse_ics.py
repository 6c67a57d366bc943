#!/usr/bin/env python3
"""Parse an iCalendar file with the `icalendar` package and print its essentials as JSON.

Usage: parse_ics.py [PATH]   (reads stdin without PATH)

Times are printed as UTC ISO-8601 ("...Z"). A TZID is resolved through the VTIMEZONE of
the file itself, not the system's zoneinfo, so the output checks the file's own rules.
Exits non-zero when the `icalendar` package is missing or the input does not parse.
"""

import json
import sys
from datetime import date, datetime, timezone

import icalendar


def file_timezones(cal):
    """TZID -> tzinfo built from the VTIMEZONE components in this file only."""
    zones = {}
    for vtz in cal.walk("VTIMEZONE"):
        tzid = str(vtz["TZID"])
        zones[tzid] = vtz.to_tz(lookup_tzid=False)
    return zones


def to_utc(prop, zones):
    if prop is None:
        return None
    value = prop.dt
    if isinstance(value, datetime):
        tzid = prop.params.get("TZID")
        if tzid is not None:
            if tzid not in zones:
                raise SystemExit(f"TZID {tzid!r} has no VTIMEZONE in the file")
            value = value.replace(tzinfo=None).replace(tzinfo=zones[tzid])
        elif value.tzinfo is None:
            raise SystemExit(f"floating time {value.isoformat()} has no zone")
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    raise SystemExit(f"unexpected date value {value!r}")


def text(component, name):
    value = component.get(name)
    return None if value is None else str(value)


def param(component, name, key):
    value = component.get(name)
    if value is None or not hasattr(value, "params"):
        return None
    found = value.params.get(key)
    return None if found is None else str(found)


def main():
    if len(sys.argv) > 1:
        with open(sys.argv[1], "rb") as handle:
            raw = handle.read()
    else:
        raw = sys.stdin.buffer.read()

    cal = icalendar.Calendar.from_ical(raw)
    zones = file_timezones(cal)
    events = []
    for event in cal.walk("VEVENT"):
        sequence = event.get("SEQUENCE")
        events.append(
            {
                "uid": text(event, "UID"),
                "summary": text(event, "SUMMARY"),
                "description": text(event, "DESCRIPTION"),
                "location": text(event, "LOCATION"),
                "url": text(event, "URL"),
                "status": text(event, "STATUS"),
                "sequence": None if sequence is None else int(sequence),
                "dtstart_utc": to_utc(event.get("DTSTART"), zones),
                "dtend_utc": to_utc(event.get("DTEND"), zones),
                "dtstamp_utc": to_utc(event.get("DTSTAMP"), zones),
                "last_modified_utc": to_utc(event.get("LAST-MODIFIED"), zones),
                "organizer": text(event, "ORGANIZER"),
                "organizer_cn": param(event, "ORGANIZER", "CN"),
                "attendee": text(event, "ATTENDEE"),
                "attendee_rsvp": param(event, "ATTENDEE", "RSVP"),
            }
        )

    json.dump(
        {
            "calname": text(cal, "X-WR-CALNAME"),
            "method": text(cal, "METHOD"),
            "timezones": list(zones),
            "events": events,
        },
        sys.stdout,
        ensure_ascii=False,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

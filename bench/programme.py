"""Builds a programme through the API: one stage, N back-to-back 10-minute pitch slots, N
accepted pitches, each assigned. Usage: programme.py BASE_URL TOKEN EVENT N"""
import json
import sys
import urllib.request

base, token, event, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + token)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return json.loads(text) if text else None


stage = call("POST", f"/api/v1/events/{event}/stages", {"name": "Hauptbühne"})
slots = call("POST", f"/api/v1/events/{event}/pitch-slots/generate", {
    "stage_id": stage["id"], "from": "2030-06-24T08:00:00+02:00",
    "to": "2030-06-26T20:00:00+02:00", "slot_minutes": 10, "gap_minutes": 0})
slot_ids = [s["id"] for s in (slots["items"] if isinstance(slots, dict) else slots)][:n]
for i, slot_id in enumerate(slot_ids):
    pitch = call("POST", f"/api/v1/events/{event}/pitches", {
        "title": f"Pitch {i}: Werkstoffe für morgen", "abstract": "Kurzvortrag; mit Demo, und Fragen.",
        "organisation": f"Mitglied {i} GmbH", "presenter_name": f"Presenter {i}",
        "presenter_email": f"presenter{i}@bench.example", "duration_minutes": 10})
    call("PATCH", f"/api/v1/events/{event}/pitches/{pitch['id']}", {"status": "accepted"})
    call("PUT", f"/api/v1/events/{event}/pitch-slots/{slot_id}/assignment", {"pitch_id": pitch["id"]})
print(f"programme: {len(slot_ids)} slots assigned")

"""Adds N confirmed registrations to the bench event straight in the database, to measure
that a registration (and the attendee list's first page) costs the same with 100 or 100 000
attendees already there. Usage: prefill.py DATABASE_URL EVENT_SLUG N"""
import subprocess
import sys

url, slug, n = sys.argv[1], sys.argv[2], int(sys.argv[3])

if url.startswith("sqlite"):
    import sqlite3

    path = url.split("://", 1)[1].split("?", 1)[0]
    db = sqlite3.connect(path, timeout=30)
    db.execute(
        """
        WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?)
        INSERT INTO registrations (id, event_id, name, email, email_lower, organisation, sector,
            language, status, waitlist_seq, manage_token_hash, checked_in_at, hold_expires_at,
            sequence, created_at, updated_at, cancelled_at, erased_at, mailbox)
        SELECT randomblob(16), (SELECT id FROM events WHERE slug = ?), 'Prefill ' || i,
            'prefill' || i || '@bench.example', 'prefill' || i || '@bench.example',
            'Prefill GmbH', 'science', 'de', 'confirmed', NULL, lower(hex(randomblob(24))), NULL,
            NULL, 0, '2026-01-01T00:00:00.000000+00:00', '2026-01-01T00:00:00.000000+00:00',
            NULL, NULL, 'prefill' || i || '@bench.example'
        FROM k
        """,
        (n, slug),
    )
    db.execute(
        "UPDATE events SET confirmed_count = confirmed_count + ?,"
        " registrations_total = registrations_total + ? WHERE slug = ?",
        (n, n, slug),
    )
    db.commit()
else:
    sql = f"""
        INSERT INTO registrations (id, event_id, name, email, email_lower, organisation, sector,
            language, status, waitlist_seq, manage_token_hash, checked_in_at, hold_expires_at,
            sequence, created_at, updated_at, cancelled_at, erased_at, mailbox)
        SELECT gen_random_uuid(), (SELECT id FROM events WHERE slug = '{slug}'), 'Prefill ' || i,
            'prefill' || i || '@bench.example', 'prefill' || i || '@bench.example',
            'Prefill GmbH', 'science', 'de', 'confirmed', NULL, md5(random()::text) || md5(i::text), NULL,
            NULL, 0, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', NULL, NULL,
            'prefill' || i || '@bench.example'
        FROM generate_series(1, {n}) AS i;
        UPDATE events SET confirmed_count = confirmed_count + {n},
            registrations_total = registrations_total + {n} WHERE slug = '{slug}';
        ANALYZE registrations;
    """
    subprocess.run(["psql", url.split("?", 1)[0], "-q", "-c", sql], check=True)
print(f"prefilled {n} registrations")

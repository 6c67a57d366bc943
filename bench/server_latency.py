"""podium's own view of a run: requests and the p50/p99 bucket of each route, from /metrics.

wrk measures from the client, which shares the two cores with podium and PostgreSQL; under a
full feed load (2 GB/s through loopback) its percentiles stop adding up (bench/README.md).
The server's histogram (`http_request_duration_seconds`, handler start to response) is the
second opinion: "p99 <= 0.0005" means 99 % of those requests took at most 0.5 ms in podium.
"""
import re
import sys
from collections import defaultdict

BUCKET = re.compile(
    r'http_request_duration_seconds_bucket\{method="(\w+)",route="([^"]+)",status="(\d+)",le="([^"]+)"\} (\d+)'
)


def upper_bound(buckets, share):
    total = buckets[float("inf")]
    for le in sorted(buckets):
        if buckets[le] >= share * total:
            return le
    return float("inf")


def main(path):
    routes = defaultdict(dict)
    for line in open(path):
        m = BUCKET.match(line)
        if m:
            le = float("inf") if m[4] == "+Inf" else float(m[4])
            routes[(m[1], m[2], m[3])][le] = int(m[5])
    for (method, route, status), buckets in sorted(routes.items()):
        total = buckets[float("inf")]
        if total < 1000:
            continue
        p50 = upper_bound(buckets, 0.50) * 1000
        p99 = upper_bound(buckets, 0.99) * 1000
        print(f"  server {method:4} {route:45} {status}  {total:8d} requests  p50 <= {p50:g} ms  p99 <= {p99:g} ms")


if __name__ == "__main__":
    main(sys.argv[1])

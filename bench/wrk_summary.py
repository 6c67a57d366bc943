"""One line from wrk --latency output: name, requests/s, p50, p99, non-2xx/3xx and socket errors."""
import re
import sys

name, path = sys.argv[1], sys.argv[2]
text = open(path).read()
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
p50 = re.search(r"\s50%\s+([\d.]+\w+)", text)
p99 = re.search(r"\s99%\s+([\d.]+\w+)", text)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
sock = re.search(r"Socket errors: (.*)", text)
print(
    f"{name:14} {float(rps.group(1)) if rps else 0:10.0f} req/s  p50 {p50.group(1) if p50 else '?':>8}"
    f"  p99 {p99.group(1) if p99 else '?':>8}  errors {non2xx.group(1) if non2xx else 0}"
    + (f"  socket: {sock.group(1)}" if sock else "")
)
if not rps:
    sys.stderr.write(text)

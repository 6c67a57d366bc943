"""Each scenario beside its limit measured in the same run: `ratios.py DIR` reads the wrk
outputs (DIR/NAME.txt) and DIR/limits.tsv (scenario, limit file, limit description) and
prints requests/s, p99 and the ratio to the limit. Ratios are what bench/README.md records:
absolute rates differ by 2x between machines of the same kind."""
import os
import re
import sys


def rate(path):
    try:
        text = open(path).read()
    except OSError:
        return None, None
    tps = re.search(r"tps = ([\d.]+)", text)  # pgbench
    if tps:
        return float(tps.group(1)), "-"
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p99 = re.search(r"\s99%\s+([\d.]+\w+)", text)
    if not rps:
        return None, None
    return float(rps.group(1)), p99.group(1) if p99 else "?"


work = sys.argv[1]
print(f"{'scenario':16} {'podium':>10} {'p99':>9}  {'limit':>10}  ratio  limit measured")
for line in open(os.path.join(work, "limits.tsv")):
    scenario, limit_file, what = line.rstrip("\n").split("\t")
    mine, p99 = rate(os.path.join(work, f"{scenario}.txt"))
    if mine is None:
        continue
    limit, _ = rate(os.path.join(work, limit_file))
    if limit:
        print(f"{scenario:16} {mine:10.0f} {p99:>9}  {limit:10.0f}  {100 * mine / limit:4.0f} %  {what}")
    else:
        print(f"{scenario:16} {mine:10.0f} {p99:>9}  {'-':>10}     -   {what} (not measured)")

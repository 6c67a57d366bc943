"""Each scenario beside its limit, measured right after it in every round: `ratios.py DIR`
reads the wrk outputs DIR/NAME.R.txt and DIR/limit-NAME.R.txt (R = 1, 2, ...; pgbench's output
for the register scenario on PostgreSQL), DIR/bodylimit-NAME.R.txt where BODY_LIMIT=1 measured
a second limit, and DIR/limits.tsv (scenario, limit description), and
prints per scenario the median of the rounds' rates, p99s and ratios, with the ratios' range
(each median on its own: the ratio is the median of the rounds' ratios, not the quotient of
the two medians printed beside it).
Ratios are what bench/README.md records: absolute rates differ by 2x between machines of the
same kind, and one machine's limit moves by a quarter between runs a minute apart."""
import os
import re
import statistics
import sys


def parse(path):
    """(requests or transactions a second, p99 in ms) of one wrk or pgbench output."""
    try:
        text = open(path).read()
    except OSError:
        return None, None
    tps = re.search(r"tps = ([\d.]+)", text)  # pgbench
    if tps:
        return float(tps.group(1)), None
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", text)
    if not rps:
        return None, None
    ms = None
    if p99:
        ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return float(rps.group(1)), ms


def rounds(work, stem):
    """The parsed outputs DIR/STEM.1.txt, DIR/STEM.2.txt, ... in order."""
    found, r = [], 1
    while os.path.exists(os.path.join(work, f"{stem}.{r}.txt")):
        found.append(parse(os.path.join(work, f"{stem}.{r}.txt")))
        r += 1
    return found


work = sys.argv[1]
print(
    f"{'scenario':14} {'rounds':>6} {'podium/s':>10} {'p99 ms':>7} {'limit/s':>10}"
    f"  {'ratio':>5}  {'range':>9}  limit"
)


def row(scenario, measured, limits, what):
    """One table line: the scenario's median rate and p99, beside the limit's rounds."""
    mine = [m for m in measured if m[0] is not None]
    # Each round with its own limit: a round whose output did not parse drops out whole.
    pairs = [(m, l) for m, l in zip(measured, limits) if m[0] and l[0]]
    rate = statistics.median(m[0] for m in mine)
    p99s = [m[1] for m in mine if m[1] is not None]
    p99 = f"{statistics.median(p99s):7.1f}" if p99s else f"{'-':>7}"
    ratios = [m[0] / l[0] for m, l in pairs]
    if ratios:
        limit = statistics.median(l[0] for _, l in pairs)
        spread = f"{100 * min(ratios):3.0f}–{100 * max(ratios):3.0f} %"
        print(
            f"{scenario:14} {len(mine):6} {rate:10.0f} {p99}  {limit:10.0f}"
            f"  {100 * statistics.median(ratios):3.0f} %  {spread:>9}  {what}"
        )
    else:
        print(f"{scenario:14} {len(mine):6} {rate:10.0f} {p99}  {'-':>10}      -  {'':>9}  {what}")


for line in open(os.path.join(work, "limits.tsv")):
    scenario, what = line.rstrip("\n").split("\t")
    measured = rounds(work, scenario)
    if not any(m[0] is not None for m in measured):
        continue
    row(scenario, measured, rounds(work, f"limit-{scenario}"), what)
    # BODY_LIMIT=1: the same rounds against a body of the answer's size without its headers.
    body_only = rounds(work, f"bodylimit-{scenario}")
    if body_only:
        row("  body only", measured, body_only, "actix-web answering the body alone (sessions 8–12's limit)")

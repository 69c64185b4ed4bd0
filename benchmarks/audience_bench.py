"""``audience check`` on 100,000 and 1,000,000 rows: time and peak RSS, each in a fresh process.

    .venv/bin/python benchmarks/audience_bench.py [--rows 100000,1000000] [--json FILE]

The file is one ``email`` column of SHA-256 hashes with one duplicate and one raw email every
10,000 rows (so the second pass and the defect lists do work). Peak RSS is the child's
``ru_maxrss``; the baseline is the same process checking a 1,000-row file, so the figures say
what the rows cost, not what Python costs. Flat memory: the 1,000,000-row peak stays within a
few MiB of the 100,000-row peak.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from mock_endpoint.studio.uploads import check_upload
started = time.perf_counter()
report = check_upload(sys.argv[1])
elapsed = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
peak_kib = usage.ru_maxrss
print(json.dumps({{"seconds": elapsed, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                   "peak_kib": peak_kib, "rows": report.rows,
                   "unique": report.unique, "errors": report.errors}}))
"""


def write_file(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("email\n")
        last = ""
        for i in range(rows):
            if i and i % 10_000 == 0:
                out.write("raw.user@example.com\n" if i % 20_000 else f"{last}\n")
                continue
            last = hashlib.sha256(f"user{i}@example.com".encode()).hexdigest()
            out.write(last + "\n")


def measure(path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT)), str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000,1000000", help="comma-separated row counts")
    parser.add_argument("--json", metavar="FILE", help="also write the results here")
    args = parser.parse_args()
    sizes = [int(n) for n in args.rows.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="spdt-audience-bench-") as tmp:
        for rows in [1_000, *sizes]:
            path = Path(tmp) / f"upload-{rows}.csv"
            write_file(path, rows)
            figures = measure(path)
            figures.update(file_mib=path.stat().st_size / 2**20, size=rows)
            results.append(figures)
            path.unlink()
    base = results[0]["peak_kib"]
    print(
        f"{'rows':>10} {'file MiB':>9} {'wall s':>8} {'CPU s':>7} {'rows/CPU s':>11} "
        f"{'peak RSS MiB':>13} {'vs 1k':>8}"
    )
    for r in results:
        print(
            f"{int(r['size']):>10,} {r['file_mib']:>9.1f} {r['seconds']:>8.2f} "
            f"{r['cpu_seconds']:>7.2f} {r['size'] / r['cpu_seconds']:>11,.0f} "
            f"{r['peak_kib'] / 1024:>13.1f} "
            f"{(r['peak_kib'] - base) / 1024:>+7.1f}M"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

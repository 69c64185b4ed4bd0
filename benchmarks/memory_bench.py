"""Memory: the mock's store past its cap, and the auditor's RSS over a long crawl."""

from __future__ import annotations

import json
import statistics
import subprocess
from typing import Any

from audit_bench import run_cli_audit
from common import PY, RESULTS, ROOT, log

MOCK_MEMORY = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from mock_endpoint.records import Record
from mock_endpoint.endpoints.ingest import parse_batch
from mock_endpoint.validation import validate_pixel_event
from mock_endpoint.store import RecordStore, DEFAULT_MAX_RECORDS

def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024

total = int(sys.argv[2])
store = RecordStore(DEFAULT_MAX_RECORDS)
samples = [(0, round(rss(), 1))]
for seq in range(1, total + 1):
    payload = {"batch": [{"pid": "0123456789abcdef0123456789abcdef", "events": [
        {"action": "purchase", "uid": f"{seq % 5000:032x}", "click_id": f"c{seq % 5000}",
         "body": {"url": f"https://shop.test/thanks/{seq}", "value": 79.99, "currency": "USD",
                  "order_id": f"SP-ORD-{seq}", "event_id": f"evt-{seq}", "quantity": 1}}]}]}
    events = parse_batch(payload)
    findings = tuple(f for e in events for f in validate_pixel_event(e.name, e.key, e.params))
    store.add(Record(id=0, time=0.0, session=f"s{seq % 50}", host="pixels.spotify.com",
                     method="POST", path="/v1/ingest", kind="ingest", status=204, query={},
                     payload=payload, page=f"https://shop.test/thanks/{seq}",
                     user_agent="Mozilla/5.0 bench", events=events, findings=findings),
              tagged=True)
    if seq % 100_000 == 0:
        samples.append((seq, round(rss(), 1)))
print(json.dumps({"samples": samples, "summary": store.summary().to_json()}))
"""


def bench_memory_mock(quick: bool) -> dict[str, Any]:
    total = 300_000 if quick else 1_000_000
    log(f"memory: {total:,} records into the mock's store (default cap)")
    done = subprocess.run(
        [PY, "-c", MOCK_MEMORY, str(ROOT), str(total)],
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )
    data = json.loads(done.stdout)
    samples = data["samples"]
    at_cap = next(s for n, s in samples if n >= 100_000)
    final = samples[-1][1]
    return {
        "records": total,
        "samples_mb": samples,
        "summary": data["summary"],
        "rss_at_cap_mb": at_cap,
        "rss_final_mb": final,
        "ratio_final_to_cap": round(final / at_cap, 3),
    }


def bench_memory_audit(quick: bool) -> dict[str, Any]:
    from benchsite import BenchSite

    pages = 60 if quick else 200
    out = RESULTS / "audit-memory.json"
    with BenchSite(pages) as site:
        log(f"memory: auditor RSS over a {pages}-page crawl")
        seconds, code, samples = run_cli_audit([site.url(0)], pages, out, ["--no-screenshots"])
    audited = len(json.loads(out.read_text())["pages"]) if out.exists() else 0
    out.unlink(missing_ok=True)
    if not samples:
        return {"pages": pages, "error": "no samples"}
    # Growth per page: RSS in the last quarter vs the second quarter of the run.
    n = len(samples)
    q2 = statistics.median(s for _t, s in samples[n // 4 : n // 2] or samples)
    q4 = statistics.median(s for _t, s in samples[3 * n // 4 :] or samples)
    return {
        "pages": pages,
        "pages_audited": audited,
        "exit_code": code,
        "seconds": round(seconds, 1),
        "rss_second_quarter_mb": q2,
        "rss_last_quarter_mb": q4,
        "peak_rss_mb": max(s for _t, s in samples),
        "ratio_last_to_second_quarter": round(q4 / q2, 3),
        "growth_kb_per_page": round((q4 - q2) * 1024 / max(1, audited / 2), 1),
    }

"""A Python load generator in separate processes: open loop at a fixed request rate, or closed
loop as fast as it can (the fallback when ``wrk`` is not installed).

Each process runs its own event loop and aiohttp session; a hit is scheduled at a fixed time
and its latency is measured from that time (so a slow server cannot hide its queueing:
coordinated omission is corrected). Every hit is one ingest batch with one event, tagged with
the session ``bench`` (the mock's recorded count is compared with the hits sent).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import ssl
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from mock_endpoint.client import MockResolver

KEY = "0123456789abcdef0123456789abcdef"
INGEST = "https://pixels.spotify.com/v1/ingest"


def body(seq: int, *, invalid: bool = False) -> bytes:
    params: dict[str, Any] = {
        "url": "https://shop.test/thanks",
        "value": "79,99" if invalid else 79.99,
        "currency": "USD",
        "order_id": f"SP-ORD-{seq}",
        "event_id": f"evt-{seq}",
        "quantity": 1,
    }
    batch = {"batch": [{"pid": KEY, "events": [{"action": "purchase", "body": params}]}]}
    return json.dumps(batch).encode()


def _insecure() -> ssl.SSLContext:
    # The server runs in another process with its own throw-away CA: loopback only, no trust.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass(frozen=True, slots=True)
class Load:
    port: int
    rate: float  # hits/s for this process (0: closed loop)
    seconds: float
    connections: int
    offset: int  # first sequence number of this process


async def _run(load: Load) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(
        resolver=MockResolver("127.0.0.1", load.port), ssl=_insecure(), limit=load.connections
    )
    headers = {"Content-Type": "application/json"}
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    sent = 0
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:

        async def one(seq: int, scheduled: float) -> None:
            nonlocal errors
            try:
                async with http.post(INGEST, data=body(seq), headers=headers) as r:
                    await r.read()
                    statuses[r.status] = statuses.get(r.status, 0) + 1
            except (aiohttp.ClientError, TimeoutError):
                errors += 1
                return
            latencies.append(time.perf_counter() - scheduled)

        async def warm() -> None:  # open connections first; the mock records these too
            async with http.options(INGEST) as r:
                await r.read()
                statuses[r.status] = statuses.get(r.status, 0) + 1

        warmups = min(load.connections, 8)
        await asyncio.gather(*(warm() for _ in range(warmups)))
        start = time.perf_counter()
        end = start + load.seconds
        tasks: set[asyncio.Task[None]] = set()
        if load.rate > 0:
            interval = 1.0 / load.rate
            while True:
                scheduled = start + sent * interval
                if scheduled >= end:
                    break
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                task = asyncio.create_task(one(load.offset + sent, scheduled))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                sent += 1
            if tasks:
                await asyncio.gather(*tasks)
        else:

            async def worker() -> None:
                nonlocal sent
                while time.perf_counter() < end:
                    seq = load.offset + sent
                    sent += 1
                    await one(seq, time.perf_counter())

            await asyncio.gather(*(worker() for _ in range(load.connections)))
        elapsed = time.perf_counter() - start
    return {
        "sent": sent,
        "warmups": warmups,
        "statuses": statuses,
        "errors": errors,
        "elapsed": elapsed,
        "latencies": latencies,
    }


def _process(load: Load) -> dict[str, Any]:
    return asyncio.run(_run(load))


def generate(
    port: int, *, rate: float, seconds: float, processes: int = 2, connections: int = 32
) -> dict[str, Any]:
    """Hits from ``processes`` processes; ``rate`` 0 = closed loop. Returns sent (the timed
    hits), warmups (the requests that opened the connections first: answered and recorded like
    any hit, not in ``sent``), answered by status, errors, achieved rate (timed hits) and
    latency percentiles (ms)."""
    loads = [
        Load(port, rate / processes, seconds, connections, offset=i * 10_000_000)
        for i in range(processes)
    ]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        parts = pool.map(_process, loads)
    latencies = sorted(x for p in parts for x in p["latencies"])
    statuses: dict[str, int] = {}
    for p in parts:
        for status, n in p["statuses"].items():
            statuses[str(status)] = statuses.get(str(status), 0) + n
    sent = sum(p["sent"] for p in parts)
    warmups = sum(p["warmups"] for p in parts)
    elapsed = max(p["elapsed"] for p in parts)

    def pct(q: float) -> float | None:
        if not latencies:
            return None
        return round(float(latencies[min(len(latencies) - 1, int(q * len(latencies)))]) * 1000, 2)

    answered = sum(statuses.values())
    return {
        "target_rate": rate,
        "sent": sent,
        "warmups": warmups,
        "answered": answered,
        "statuses": statuses,
        "errors": sum(p["errors"] for p in parts),
        "achieved_rate": round((answered - warmups) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
    }

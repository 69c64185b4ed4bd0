"""Campaign stats from the simulation: what ``GET /v1/campaigns/{id}/stats`` answers.

For the campaign's exposures whose simulated time falls in ``start_date..end_date`` (UTC days,
inclusive): impressions (impression + audio exposures), clicks, reach (distinct identities
with at least one view exposure) and frequency (impressions / reach). For the conversions in
the range attributed to the campaign: counts by event and by click/view, and revenue per
currency (by event and in total).
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mock_endpoint.studio.attribution import Attribution
from mock_endpoint.studio.campaigns import VIEW_KINDS, Campaign, Exposure

CSV_COLUMNS = ("metric", "event", "attribution", "currency", "value")


def day_range(start: date, end: date) -> tuple[float, float]:
    lo = datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp()
    hi = (datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)).timestamp()
    return lo, hi


def _who(e: Exposure) -> str:
    if e.device_id:
        return f"d:{e.device_id}"
    if e.user_agent:
        return f"u:{e.ip or ''}|{e.user_agent}"
    return f"c:{e.click_id}"


def campaign_stats(
    campaign: Campaign,
    exposures: Iterable[Exposure],
    attributions: Iterable[Attribution],
    start: date,
    end: date,
) -> dict[str, Any]:
    lo, hi = day_range(start, end)
    mine = [e for e in exposures if e.campaign == campaign.id and lo <= e.time < hi]
    views = [e for e in mine if e.kind in VIEW_KINDS]
    clicks = [e for e in mine if e.is_click]
    reach = len({_who(e) for e in views})
    by_event: dict[str, Counter[str]] = defaultdict(Counter)
    revenue: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for a in attributions:
        c = a.conversion
        if a.campaign != campaign.id or a.verdict == "none" or not lo <= c.time < hi:
            continue
        by_event[c.event][a.verdict] += 1
        if c.value is not None and c.currency:
            revenue[c.event][c.currency] = round(revenue[c.event][c.currency] + c.value, 2)
    totals: dict[str, float] = defaultdict(float)
    for per_currency in revenue.values():
        for currency, amount in per_currency.items():
            totals[currency] = round(totals[currency] + amount, 2)
    return {
        "campaign_id": campaign.id,
        "name": campaign.name,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "timezone": "UTC",
        "windows": {
            "click_days": campaign.click_window_days,
            "view_days": campaign.view_window_days,
        },
        "impressions": len(views),
        "impressions_by_kind": dict(sorted(Counter(e.kind for e in views).items())),
        "clicks": len(clicks),
        "clicks_by_placement": dict(sorted(Counter(e.placement or "cta" for e in clicks).items())),
        "reach": reach,
        "frequency": round(len(views) / reach, 2) if reach else 0.0,
        "conversions": [
            {
                "event": event,
                "click": counts["click"],
                "view": counts["view"],
                "total": counts["click"] + counts["view"],
                "revenue": dict(sorted(revenue.get(event, {}).items())),
            }
            for event, counts in sorted(by_event.items())
        ],
        "total_conversions": sum(sum(c.values()) for c in by_event.values()),
        "revenue": dict(sorted(totals.items())),
        "source": "spdt-harness simulation (recorded hits, declared exposures; not Spotify data)",
    }


def stats_csv(stats: dict[str, Any]) -> str:
    """The dashboard's CSV export, one metric a row (``CSV_COLUMNS``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for metric in ("impressions", "clicks", "reach", "frequency"):
        if metric in stats:
            writer.writerow((metric, "", "", "", stats[metric]))
    for row in stats.get("conversions", []):
        for verdict in ("click", "view"):
            if verdict in row:
                writer.writerow(("conversions", row["event"], verdict, "", row[verdict]))
        if "count" in row:
            writer.writerow(("conversions", row["event"], "", "", row["count"]))
        for currency, amount in row.get("revenue", {}).items():
            writer.writerow(("revenue", row["event"], "", currency, f"{amount:.2f}"))
    for currency, amount in stats.get("revenue", {}).items():
        writer.writerow(("revenue", "", "", currency, f"{amount:.2f}"))
    return out.getvalue()

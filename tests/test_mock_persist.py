"""``--record FILE``: every record persisted as a JSON line, flushed per record, read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import MockEndpointError
from mock_endpoint import MockEndpoint
from mock_endpoint.client import MockClient
from mock_endpoint.persist import load_records

INGEST = "https://pixels.spotify.com/v1/ingest"


def test_records_round_trip_through_the_file(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    with MockEndpoint(record=path) as mock, MockClient(mock) as client:
        client.post(
            INGEST,
            json={
                "batch": [
                    {
                        "pid": "YOUR_PIXEL_ID",
                        "events": [
                            {
                                "action": "purchase",
                                "body": {
                                    "url": "https://shop.test/",
                                    "value": float("nan"),
                                    "currency": "£",
                                },
                            }
                        ],
                    }
                ]
            },
        )
        client.post(INGEST, data=b"{broken", headers={"Content-Type": "application/json"})
        client.get("https://img.byspotify.com/?key=k&a=init")
        # flushed per record: readable while the mock still runs
        assert len(path.read_text().splitlines()) == 3
        in_memory = mock.records()
    loaded = load_records(path)
    assert [r.id for r in loaded] == [r.id for r in in_memory]
    assert [r.findings for r in loaded] == [r.findings for r in in_memory]
    assert [r.events[0].name if r.events else None for r in loaded] == ["purchase", None, "init"]
    assert loaded[1].payload == "{broken"
    assert loaded[2] == in_memory[2]


def test_a_truncated_last_line_is_skipped_and_a_bad_line_named(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    with MockEndpoint(record=path) as mock, MockClient(mock) as client:
        client.get("https://img.byspotify.com/?key=k&a=init")
    good = path.read_text()
    path.write_text(good + good[: len(good) // 2])
    assert len(load_records(path)) == 1
    path.write_text("{}\n" + good)
    with pytest.raises(MockEndpointError, match=r"run\.jsonl:1: not a record"):
        load_records(path)


def test_an_unwritable_record_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MockEndpointError, match="cannot write records to"):
        MockEndpoint(record=tmp_path).start()


def test_records_are_strict_json_over_http(tmp_path: Path) -> None:
    with MockEndpoint() as mock, MockClient(mock) as client:
        client.post(
            INGEST,
            data=b'{"batch":[{"pid":"k","events":[{"action":"view","body":{"value":NaN}}]}]}',
            headers={"Content-Type": "application/json"},
        )
        body = client.get("https://pixels.spotify.com/__spdt/records").text
    json.loads(body, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))

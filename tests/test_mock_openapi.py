"""The OpenAPI document matches the route table, and every documented route answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mock_endpoint import MockEndpoint
from mock_endpoint.app import ROUTES
from mock_endpoint.client import MockClient

METHODS = {"get", "post", "put", "patch", "delete", "options", "head"}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[MockEndpoint, MockClient, dict]]:  # type: ignore[type-arg]
    with MockEndpoint() as mock, MockClient(mock) as client:
        doc = client.control("GET", "openapi.json").json()
        yield mock, client, doc


def documented(doc: dict) -> set[tuple[str, str, str]]:  # type: ignore[type-arg]
    ops = set()
    for path, item in doc["paths"].items():
        hosts = [s["url"].removeprefix("https://") for s in item["servers"]]
        for method in item.keys() & METHODS:
            for host in hosts:
                ops.add((method.upper(), host, path))
    return ops


def test_every_route_is_documented_and_nothing_else(served: tuple) -> None:  # type: ignore[type-arg]
    mock, _, doc = served
    assert doc["openapi"].startswith("3.")
    control = f"127.0.0.1:{mock.control_port}"  # the control API's own listener, only
    expected = {(r.method, h, r.path) for r in ROUTES for h in (r.hosts or (control,))}
    assert documented(doc) == expected
    ids = [
        op["operationId"]
        for item in doc["paths"].values()
        for m, op in item.items()
        if m in METHODS
    ]
    assert len(ids) == len(set(ids)) == len(ROUTES)


def test_every_documented_operation_is_served(served: tuple) -> None:  # type: ignore[type-arg]
    mock, client, doc = served
    for method, host, path in sorted(documented(doc)):
        if path.endswith("/stream"):
            continue  # endless by design; tested in Chromium (test_mock_live_page.py)
        url = f"https://{host}{path.replace('{id}', '1')}"
        if path.endswith("/wait"):
            url += "?timeout=0"
        if path.endswith("/credential"):
            url += "?session=s1"
        if host == f"127.0.0.1:{mock.control_port}":
            answer = client.control(method, url.split("/__spdt/", 1)[1])
        else:
            answer = client.request(method, url)
        assert answer.status not in (404, 405) or answer.json()["code"] not in (
            "NOT_FOUND",
            "METHOD_NOT_ALLOWED",
        ), f"{method} {url} → {answer.status} {answer.text[:200]}"
        assert answer.status < 500, f"{method} {url} → {answer.status}"
    assert mock.internal_errors == []


def test_undocumented_paths_are_not_served(served: tuple) -> None:  # type: ignore[type-arg]
    _, client, _ = served
    answer = client.control("GET", "undocumented")
    assert answer.status == 404
    assert answer.json()["code"] == "NOT_FOUND"
    assert "GET /__spdt/records" in answer.json()["valid"]
    assert client.get("https://img.byspotify.com/ping.min.js").status == 404

"""The OpenAPI 3 document of the mock, generated from the route table it is given (``GET
/__spdt/openapi.json`` reads the app's table from the control app). Each Spotify endpoint's path
item names its host in ``servers``; the control API names the mock's control address (it is never
served on a Spotify host name)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from mock_endpoint.routes import CONTROL_HEADER, Route

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "sp_trace_id": {"type": "string", "description": "CAPI errors only"},
    },
}


def build_openapi(
    routes: Iterable[Route], control_base: str = "https://127.0.0.1"
) -> dict[str, Any]:
    """The document of ``routes`` (the app's route table, ``mock_endpoint.app.ROUTES``).

    ``control_base``: scheme://host:port of the control listener (the control API's server)."""
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        item = paths.setdefault(route.path, {})
        hosts = list(route.hosts)
        servers = [f"https://{h}" for h in hosts] if hosts else [control_base]
        item["servers"] = [{"url": url} for url in servers]
        params = [p.to_openapi() for p in route.params]
        declared = {p.name for p in route.params if p.where == "path"}
        for name in re.findall(r"\{(\w+)\}", route.path):
            if name not in declared:
                params.append(
                    {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                )
        responses: dict[str, Any] = {}
        for status, description in route.responses.items():
            content_type = route.response_type if status.startswith("2") else "application/json"
            body: dict[str, Any] = {"description": description}
            if status not in ("204", "304"):
                schema: dict[str, Any] = (
                    {"$ref": "#/components/schemas/Error"}
                    if not status.startswith("2")
                    else {"type": "string" if "json" not in content_type else "object"}
                )
                body["content"] = {content_type: {"schema": schema}}
            responses[status] = body
        responses.setdefault(
            "404",
            {
                "description": "unknown path: lists the valid ones",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        )
        operation: dict[str, Any] = {
            "operationId": route.name,
            "summary": route.summary,
            "tags": [route.host or "control"],
            "parameters": params,
            "responses": responses,
        }
        if route.host is None:
            operation["security"] = [{"controlToken": []}, {"controlTokenHeader": []}]
        if route.kind != "unknown":
            operation["x-spdt-record-kind"] = route.kind
        if route.body:
            operation["requestBody"] = {
                "required": True,
                "content": {ct: {"schema": {"type": "object"}} for ct in route.body},
            }
        item[route.method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "spdt-harness mock of Spotify's pixel hosts",
            "version": "1",
            "description": "Every hit on a Spotify host is recorded; the control API under "
            "/__spdt/ on the mock's own control address reads the records (with the run's "
            "token when the mock has one). See docs/mock.md.",
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {
                "controlToken": {"type": "apiKey", "in": "query", "name": "token"},
                "controlTokenHeader": {"type": "apiKey", "in": "header", "name": CONTROL_HEADER},
            },
        },
    }

"""The route table: one list of every endpoint, used by the dispatcher, the 404 answers and the
OpenAPI document alike (so the documentation cannot drift from what is served)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

from mock_endpoint.vocab import RecordKind

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PREFIX = "/__spdt"
CONTROL_HEADER = "X-Spdt-Control-Token"  # or ?token= on the URL
PATH_PARAMS_KEY: web.RequestKey[dict[str, str]] = web.RequestKey("spdt_path_params", dict)


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    description: str
    where: Literal["query", "path", "header"] = "query"
    required: bool = False
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})

    def to_openapi(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "in": self.where,
            "required": self.required or self.where == "path",
            "description": self.description,
            "schema": dict(self.schema),
        }


@dataclass(frozen=True, slots=True)
class Route:
    """One endpoint. ``host`` None: the control API, answered only on the control listener."""

    method: str
    path: str
    handler: Handler
    name: str
    summary: str
    host: str | None = None
    kind: RecordKind = "unknown"  # Record.kind of hits on it (host routes)
    also_on: tuple[str, ...] = ()  # further hosts serving the very same endpoint
    params: tuple[Param, ...] = ()
    body: tuple[str, ...] = ()  # accepted request content types
    responses: Mapping[str, str] = field(default_factory=lambda: {"200": "OK"})
    response_type: str = "application/json"
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        object.__setattr__(self, "_regex", re.compile(f"^{pattern}$"))

    def match(self, path: str) -> dict[str, str] | None:
        m = self._regex.match(path)
        return m.groupdict() if m else None

    @property
    def hosts(self) -> tuple[str, ...]:
        """Every host name this route answers on (empty for the control API: all of them)."""
        return (self.host, *self.also_on) if self.host else ()

    @property
    def label(self) -> str:
        return f"{self.method} {self.host or '*'}{self.path}"


# The app's route table, on the control app: the OpenAPI document is built from it.
ROUTES_KEY: web.AppKey[tuple[Route, ...]] = web.AppKey("routes")


def path_param(request: web.Request, name: str) -> str:
    params: dict[str, str] = request.get(PATH_PARAMS_KEY) or {}
    return str(params.get(name, ""))

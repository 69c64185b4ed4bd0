"""Lazy public names for a package's ``__init__``: each is imported from its home module on
first use, so importing the package (or one of its light modules) loads nothing heavy.

    __getattr__, __dir__ = lazy_exports(__name__, {"Harness": "harness.lab"}, globals())
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, homes: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of ``package``: a name of ``homes``
    (public name → home module) is imported on first use and kept in ``namespace`` (the
    package's ``globals()``); any other name is an AttributeError that names the package."""

    def getattr_(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted({*namespace, *homes})

    return getattr_, dir_

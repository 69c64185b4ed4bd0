"""``--shard I/N``: a deterministic split of a URL list or a crawl, for a CI matrix.

Page ``k`` (0-based, in command-line order or breadth-first crawl order) belongs to shard
``k mod N + 1``. Every shard of a crawl walks the same pages in the same order (it needs their
links), but audits only its own; ``spdt-harness report merge`` joins the parts by index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.errors import UsageError

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True, slots=True)
class Shard:
    index: int  # 1-based
    count: int

    def owns(self, position: int) -> bool:
        return position % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    match = _SHARD.match(text)
    if not match:
        raise UsageError(f"--shard {text!r}: expected I/N, e.g. 1/4")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 1 <= index <= count:
        raise UsageError(f"--shard {text!r}: I must be between 1 and N (N >= 1)")
    return Shard(index, count)

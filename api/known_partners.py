"""Partner ids this API process has seen exist, so starting a project need not ask the database.

Measured (bench/README.md): the partner-existence query was the largest part of what a create
costs beyond the workflow start (~1.9 ms of ~13 ms on SQLite). The cache is positive only: an
id it does not know is always checked against the database, so a typo is still refused at once.
A known id cannot go stale in normal operation, since no route removes a partner; the TTL bounds
the one way it could (a database restored from an older backup), like the API-key cache.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence


class KnownPartners:
    def __init__(self, ttl_seconds: float = 300.0, max_entries: int = 10_000) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._seen: dict[str, float] = {}  # partner id -> when it stops counting as known

    def unknown(self, partner_ids: Sequence[str]) -> list[str]:
        """Those of `partner_ids` not seen to exist within the TTL, in the order given."""
        now = time.monotonic()
        return [pid for pid in partner_ids if self._seen.get(pid, 0.0) <= now]

    def remember(self, partner_ids: Iterable[str]) -> None:
        """Note ids just found in the database."""
        if self._ttl <= 0:
            return
        until = time.monotonic() + self._ttl
        for pid in partner_ids:
            self._seen.pop(pid, None)
            if len(self._seen) >= self._max:
                self._seen.pop(next(iter(self._seen)))
            self._seen[pid] = until

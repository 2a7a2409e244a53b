"""Partner ids this API process has seen exist, so starting a project need not ask the database.

Measured (bench/README.md): the partner-existence query was the largest part of what a create
costs beyond the workflow start (~1.9 ms of ~13 ms on SQLite). The cache is positive only: an
id it does not know is always checked against the database, so a typo is still refused at once.
A known id cannot go stale in normal operation, since no route removes a partner; the TTL bounds
the one way it could (a database restored from an older backup), like the API-key cache.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from api.ttl_map import TtlMap


class KnownPartners:
    def __init__(self, ttl_seconds: float = 300.0, max_entries: int = 10_000) -> None:
        self._seen: TtlMap[str, bool] = TtlMap(ttl_seconds, max_entries)

    def unknown(self, partner_ids: Sequence[str]) -> list[str]:
        """Those of `partner_ids` not seen to exist within the TTL, in the order given."""
        return [pid for pid in partner_ids if self._seen.get(pid) is None]

    def remember(self, partner_ids: Iterable[str]) -> None:
        """Note ids just found in the database."""
        for pid in partner_ids:
            self._seen.put(pid, True)

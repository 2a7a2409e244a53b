"""The survey fatigue cap: how many survey e-mails one person may get in a period, and until when
an invitation over the cap waits.

A person is known across projects only by the hash of their address, so the cap counts every
project's survey e-mails to that hash. store/ fetches when each address was mailed (the outbox) and
applies the answer given here: over the cap an invitation is deferred until the moment returned, and
a reminder round is skipped. Pure: no clock, no database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

#: The period the cap counts over: `cap` survey e-mails per address per 30 days.
FATIGUE_WINDOW = timedelta(days=30)


def counting_since(now: datetime) -> datetime:
    """The earliest send time that still counts towards the cap at `now` (exclusive)."""
    return now - FATIGUE_WINDOW


def fatigue_holds(sent: Mapping[str, Sequence[datetime]], *, now: datetime, cap: int) -> dict[str, datetime]:
    """Addresses at or over the cap at `now`, each with the moment its count falls below the cap.

    `sent` maps an address hash to the times survey e-mails went to it, oldest first (times at or
    before the window's start are ignored). The moment is when the (count - cap + 1)-th oldest counted
    e-mail leaves the 30-day window: with exactly `cap` e-mails, the oldest one plus 30 days.
    An address not in the answer may be mailed now.
    """
    since = counting_since(now)
    holds: dict[str, datetime] = {}
    for digest, times in sent.items():
        counted = [t for t in times if t > since]
        if len(counted) >= cap:
            holds[digest] = counted[len(counted) - cap] + FATIGUE_WINDOW
    return holds

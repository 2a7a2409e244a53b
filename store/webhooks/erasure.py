"""Erasure and access reach the webhook deliveries that carry personal data (issue 14/16).

A webhook an admin allowed to carry personal data (`include_personal_data`) gets each event's whole
detail and actor label, so its queued and delivered bodies can hold a person's name or address. When
that person is erased, every such delivery whose body mentions them is rewritten to the body a
webhook without personal data gets (`domain.webhooks.SAFE_DETAIL_KEYS` kept, `actor` and the other
detail dropped): a pending one still delivers, the receiver loses the personal fields and not the
event, and a delivered one keeps nothing personal for its 30 days. Id, status and attempts stay.

"Mentions" is matched on the body's JSON text, portably: the JSON column cast to text, lower-cased,
`LIKE '%…%'` with `%`, `_` and the escape character escaped, for the address and every name Engage held
for the person (collected by `store.people.erasure.erase_person` before it overwrites them). A name is
also looked for as JSON writes it (`\\u00eb` for `ë`: SQLite stores JSON ASCII-escaped). Deliveries
are read in keyset chunks of `CHUNK`, never all at once. Runs in the caller's transaction, never commits.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from sqlalchemy import ColumnElement, String, cast, false, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.webhooks import SAFE_DETAIL_KEYS
from store.tables import Webhook, WebhookDelivery

#: Deliveries read (and rewritten) per statement.
CHUNK = 500
_ESCAPE = "\\"


def without_personal_data(body: dict[str, Any]) -> dict[str, Any]:
    """A stored body as `event_body(..., include_personal_data=False)` would have built it: the safe
    detail keys kept, the actor and every other detail key dropped (the envelope and ids unchanged)."""
    data = body.get("data")
    if not isinstance(data, dict):
        return body
    detail = data.get("detail")
    kept = {k: v for k, v in detail.items() if k in SAFE_DETAIL_KEYS} if isinstance(detail, dict) else {}
    return {**body, "data": {**{k: v for k, v in data.items() if k != "actor"}, "detail": kept}}


def _needles(address: str, names: Iterable[str]) -> list[str]:
    """What to look for, lower-cased: the address and each name, raw and as JSON text writes them."""
    found: set[str] = set()
    for text in [address, *names]:
        text = text.strip()
        if not text:
            continue
        for form in (text, json.dumps(text)[1:-1], json.dumps(text.lower())[1:-1]):
            found.add(form.lower())
    return sorted(found)


def _escaped(text: str) -> str:
    return text.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")


def _mentions(needles: list[str]) -> ColumnElement[bool]:
    body = func.lower(cast(WebhookDelivery.payload, String))
    return or_(false(), *(body.like(literal(f"%{_escaped(n)}%"), escape=_ESCAPE) for n in needles))


async def _mentioning(
    session: AsyncSession, address: str, names: Iterable[str]
) -> AsyncIterator[list[tuple[str, dict[str, Any]]]]:
    """The personal-data deliveries that mention the person, as (id, body), `CHUNK` at a time by id."""
    needles = _needles(address, names)
    if not needles:
        return
    personal = select(Webhook.id).where(Webhook.include_personal_data.is_(True)).scalar_subquery()
    after = ""
    while True:
        rows = (
            await session.execute(
                select(WebhookDelivery.id, WebhookDelivery.payload)
                .where(WebhookDelivery.webhook_id.in_(personal), WebhookDelivery.id > after, _mentions(needles))
                .order_by(WebhookDelivery.id)
                .limit(CHUNK)
            )
        ).all()
        if not rows:
            return
        yield [(delivery_id, payload) for delivery_id, payload in rows]
        after = rows[-1][0]


async def deliveries_mentioning(session: AsyncSession, address: str, names: Iterable[str]) -> list[str]:
    """Ids of the personal-data deliveries whose body mentions the address or one of the names (the export)."""
    names = list(names)
    return [delivery_id async for chunk in _mentioning(session, address, names) for delivery_id, _ in chunk]


async def scrub_deliveries(session: AsyncSession, address: str, names: Iterable[str]) -> int:
    """Rewrite every personal-data delivery mentioning the person to its body without personal data.
    Returns how many changed (0 on a second call: a rewritten body no longer mentions them)."""
    names = list(names)
    rewritten = 0
    async for chunk in _mentioning(session, address, names):
        for delivery_id, body in chunk:
            safe = without_personal_data(body)
            if safe != body:
                await session.execute(
                    update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(payload=safe)
                )
                rewritten += 1
    return rewritten

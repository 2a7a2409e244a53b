"""Helpers for the Knowledge Exchange tests over HTTP: fresh years, bodies, and the steps most tests take.

Workflow ids are `exchange/{year}` on a dev server shared by the whole session, so every test takes a
year nobody else uses (`fresh_year`); the current year is left to the schedule test, whose launcher
opens "this year".
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests.api.support import ok

#: Every year the API takes (2000-2099) but this one, in a random order. The suite drew more than the
#: 69 years 2030-2099 once the reports came (issue 16); fixed years in other tests run on servers of
#: their own (time skipping), so they cannot collide with these.
_POOL = [y for y in range(2000, 2100) if y != datetime.now(UTC).year]
_YEARS = iter(random.sample(_POOL, len(_POOL)))


def fresh_year() -> int:
    year = next(_YEARS, None)
    if year is None:
        raise RuntimeError(f"the tests used all {len(_POOL)} programme years of the shared dev server")
    return year


def next_monday(after: date) -> date:
    return after + timedelta(days=7 - after.weekday())


def programme_body(year: int, partner_ids: list[str], *, closes_in: timedelta, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    today = now.date()
    body: dict[str, Any] = {
        "year": year,
        "partner_ids": partner_ids,
        "confirm_by": (now + timedelta(hours=1)).isoformat(),
        "application_window": {
            "opens_at": (now - timedelta(minutes=1)).isoformat(),
            "closes_at": (now + closes_in).isoformat(),
        },
        "placement_window": {
            "starts_on": (today + timedelta(days=30)).isoformat(),
            "ends_on": (today + timedelta(days=200)).isoformat(),
        },
        "budget": 5000,
        "lead": {"name": "Programme Lead", "email": "kx-lead@museum.example"},
    }
    body.update(changes)
    return body


def application_body(name: str, email: str, organisation: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "email": email,
        "organisation": organisation,
        "role": "Collections officer",
        "employment": "employed",
        "statement_of_benefit": "Seeing another organisation's practice would sharpen my own.",
        "hoped_gains": "Hands-on conservation and community archiving skills.",
        "offer": "Ten years of running volunteer programmes.",
        "preferred_areas": ["conservation", "archives"],
        "access_needs": "Step-free access, please.",
        "availability": "Any week in spring.",
    }
    body.update(changes)
    return body


async def apply(http: httpx.AsyncClient, year: int, body: dict[str, Any]) -> httpx.Response:
    return await http.post(f"/api/v1/exchange/programmes/{year}/applications", json=body)


async def programme(http: httpx.AsyncClient, year: int) -> dict[str, Any]:
    return ok(await http.get(f"/api/v1/exchange/programmes/{year}"), 200)

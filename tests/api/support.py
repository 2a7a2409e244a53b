"""Helpers for the API tests: bounded polling, and the requests most tests make."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from tests.api.conftest import Api, http_client

T = TypeVar("T")

TEMPLATE = "co-curation"


async def eventually(
    probe: Callable[[], Awaitable[T]],
    until: Callable[[T], bool],
    *,
    within_seconds: float = 15.0,
    interval: float = 0.05,
) -> T:
    """Call `probe` until `until(result)` holds; fail with the last result after `within_seconds`.

    For eventually consistent reads only (the read model after an update): the assertion is on
    the content, the loop only bounds how long we wait for it.
    """
    deadline = time.monotonic() + within_seconds
    while True:
        result = await probe()
        if until(result):
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {within_seconds}s; last result: {result!r}")
        await asyncio.sleep(interval)


def ok(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json() if response.content else None


_PARTNERS = itertools.count(1)


async def create_partner(api: Api, name: str | None = None) -> dict[str, Any]:
    """A partner organisation; unnamed ones are numbered, as names are unique (ignoring case and spacing)."""
    name = name or f"Riverside Community Archive {next(_PARTNERS)}"
    body = {"name": name, "contact_name": "Contact Person", "contact_email": "contact@example.org"}
    return ok(await api.http.post("/api/v1/partners", json=body), 201)


async def partner_client(api: Api, partner_id: str, label: str = "partner portal") -> httpx.AsyncClient:
    created = ok(await api.http.post(f"/api/v1/partners/{partner_id}/keys", json={"label": label}), 201)
    return http_client(api.app, created["key"])


def project_body(partner_ids: list[str], **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "template": TEMPLATE,
        "title": "Voices of the River",
        "summary": "A co-curated display about the river's working lives.",
        "lead": {"name": "Project Lead", "email": "lead@museum.example"},
        "partner_ids": partner_ids,
        "follow_up_schedule": ["PT10S", "P3M"],
    }
    body.update(changes)
    return body


async def create_project(api: Api, partner_ids: list[str], **changes: Any) -> dict[str, Any]:
    return ok(await api.http.post("/api/v1/projects", json=project_body(partner_ids, **changes)), 201)


async def read_project(http: httpx.AsyncClient, project_id: str) -> dict[str, Any]:
    return ok(await http.get(f"/api/v1/projects/{project_id}"), 200)


async def submit(http: httpx.AsyncClient, project_id: str, key: str, **headers: str) -> httpx.Response:
    body = {"summary": f"Evidence for {key}", "links": ["https://example.org/evidence"]}
    return await http.post(f"/api/v1/projects/{project_id}/milestones/{key}/submissions", json=body, headers=headers)


async def review(
    http: httpx.AsyncClient, project_id: str, key: str, decision: str = "accept", note: str = ""
) -> httpx.Response:
    body = {"decision": decision, "note": note}
    return await http.post(f"/api/v1/projects/{project_id}/milestones/{key}/review", json=body)


async def stage_of(http: httpx.AsyncClient, project_id: str) -> str:
    return str((await read_project(http, project_id))["stage"])

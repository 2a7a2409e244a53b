"""Driving a co-curation project over HTTP to its evaluation stage, for the outcome-ratings tests (issue 16)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from store.reports.ratings import ratings_of
from tests.api.support import eventually, ok, review, stage_of, submit

#: Levels a project aims at, on outcomes of the `community-impact` framework.
AIMS = {"skills_knowledge": 4, "relationships": 5, "confidence": 3}


async def to_evaluation(api: Any, as_partner: httpx.AsyncClient, project_id: str) -> None:
    """Every milestone before evaluation submitted (and accepted), one past session recorded, a closed display."""
    now = datetime.now(UTC)
    ok(await submit(as_partner, project_id, "proposal"), 201)
    ok(await review(api.http, project_id, "proposal"), 200)
    await eventually(lambda: stage_of(api.http, project_id), lambda s: s == "partnership")
    ok(await submit(as_partner, project_id, "partnership_agreement"), 201)
    ok(await review(api.http, project_id, "partnership_agreement"), 200)
    session = {
        "title": "Choosing objects",
        "starts_at": (now - timedelta(hours=3)).isoformat(),
        "ends_at": (now - timedelta(hours=1)).isoformat(),
        "place": "Community room",
    }
    ok(await api.http.post(f"/api/v1/projects/{project_id}/workshops", json=session), 201)
    ok(await submit(api.http, project_id, "access_needs"), 201)
    await eventually(lambda: stage_of(api.http, project_id), lambda s: s == "workshops")
    ok(await api.http.post(f"/api/v1/projects/{project_id}/workshops/w1/attendance", json={"attendance": 9}), 200)
    ok(await submit(as_partner, project_id, "object_selection"), 201)
    ok(await review(api.http, project_id, "object_selection"), 200)
    await eventually(lambda: stage_of(api.http, project_id), lambda s: s == "display")
    for key in ("display_content", "labels"):
        ok(await submit(as_partner, project_id, key), 201)
        ok(await review(api.http, project_id, key), 200)
    ok(await submit(api.http, project_id, "installation"), 201)
    display = {
        "title": "Voices of the River",
        "location": "Gallery 3",
        "opens_at": (now - timedelta(days=30)).isoformat(),
        "closes_at": (now - timedelta(days=1)).isoformat(),
    }
    ok(await api.http.put(f"/api/v1/projects/{project_id}/display", json=display), 200)
    await eventually(lambda: stage_of(api.http, project_id), lambda s: s == "evaluation")


async def reflect(http: httpx.AsyncClient, project_id: str, key: str, levels: dict[str, Any]) -> httpx.Response:
    body = {"summary": f"Our reflection ({key})", "outcome_ratings": levels}
    return await http.post(f"/api/v1/projects/{project_id}/milestones/{key}/submissions", json=body)


async def stored_ratings(api: Any, project_id: str) -> dict[str, dict[str, int]]:
    """What the reports read: `store.reports.ratings.ratings_of` for this project."""
    async with api.sessionmaker() as session:
        found = await ratings_of(session, [project_id])
    return {str(source): levels for source, levels in found.get(project_id, {}).items()}

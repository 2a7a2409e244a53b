"""Closing a project in follow_up ends its surveys, seen from outside (issue 12): the follow-up
report says finished (open wave closed, later wave cancelled), a link from the closed wave's
invitation is refused with 410, and no further invitation or reminder is sent.

HTTP API + real worker + real database + real SMTP, in skipped time (the story fixture of the
survey end-to-end test).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.api.conftest import http_client
from tests.api.support import ok, project_body
from tests.api.survey_support import GOOD_ANSWERS
from tests.api.test_surveys_end_to_end import (
    ADA,
    LINK,
    Story,
    body_of,
    drive_to_follow_up,
    eventually,
    mail_after,
    report,
    stage_is,
    story,
    survey_mail,
    to,
)

__all__ = ["story"]  # the fixture, imported so pytest finds it here


async def test_closing_a_project_in_follow_up_finishes_its_surveys_and_expires_their_links(story: Story) -> None:
    env, http, anyone = story.env, story.http, story.anyone
    partner = ok(
        await http.post(
            "/api/v1/partners",
            json={"name": "Quayside Archive", "contact_name": "Contact", "contact_email": "contact@quay.example"},
        ),
        201,
    )
    body = project_body([partner["id"]], follow_up_schedule=["PT10S", "P20D"])
    pid = ok(await http.post("/api/v1/projects", json=body), 201)["id"]
    person = {"name": "Ada", "email": ADA, "language": "en", "role": "participant"}
    ok(await http.post(f"/api/v1/projects/{pid}/respondents", json=person), 201)
    key = ok(await http.post(f"/api/v1/partners/{partner['id']}/keys", json={"label": "portal"}), 201)["key"]
    async with http_client(story.app, key) as as_partner:
        await drive_to_follow_up(story, pid, as_partner)
    await stage_is(story, pid, "follow_up")
    await env.sleep(timedelta(seconds=12))  # wave 0 opens: Ada is invited
    (invitation,) = await mail_after(story, 0, 1)
    link = LINK.search(body_of(invitation))
    assert to(invitation) == ADA and link is not None
    token = link.group(1)
    assert ok(await anyone.get(f"/api/v1/surveys/{token}"), 200)["wave"]["index"] == 0

    ok(await http.post(f"/api/v1/projects/{pid}/close", json={"reason": "The partner has moved on"}), 200)

    finished = await eventually(lambda: report(story, pid), lambda r: r["finished"])
    assert [w["status"] for w in finished["waves"]] == ["closed", "cancelled"]
    late = await anyone.post(f"/api/v1/surveys/{token}/responses", json={"answers": GOOD_ANSWERS})
    assert late.status_code == 410, late.text
    await env.sleep(timedelta(days=60))  # past every reminder and the second wave's date
    await asyncio.sleep(0.5)
    assert len(survey_mail(story)) == 1, "no reminder and no second invitation after the close"
    assert ok(await http.get(f"/api/v1/projects/{pid}"), 200)["stage"] == "closed"

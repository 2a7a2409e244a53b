"""Staff submit a partner's milestone on the partner's behalf over HTTP (issue 12): the partner
e-mailed it in. It is recorded as staff acting for that partner and reads so in the timeline."""

from __future__ import annotations

from typing import Any

from tests.api.support import create_partner, create_project, eventually, ok, partner_client, stage_of


async def submitted_events(api: Any, pid: str) -> list[dict[str, Any]]:
    page = ok(await api.http.get(f"/api/v1/projects/{pid}/events"), 200)
    items = page["items"] if isinstance(page, dict) else page
    return [e for e in items if e["type"] == "milestone_submitted"]


async def test_staff_submit_a_partners_proposal_for_them_and_the_timeline_says_so(api):
    partner = await create_partner(api, "Quayside Archive")
    pid = (await create_project(api, [partner["id"]]))["id"]
    url = f"/api/v1/projects/{pid}/milestones/proposal/submissions"
    body = {"summary": "Proposal sent by e-mail", "on_behalf_of": partner["id"]}

    submitted = ok(await api.http.post(url, json=body), 201)

    (record,) = submitted["submissions"]
    assert record["actor"]["party"] == "staff"
    assert record["actor"]["label"].endswith("on behalf of Quayside Archive")
    assert record["on_behalf_of"] == partner["id"]
    assert submitted["status"] == "submitted"
    events = await eventually(
        lambda: submitted_events(api, pid), lambda found: len(found) == 1
    )  # the event log is written by the workflow's next activity
    (event,) = events
    assert event["actor"].endswith("on behalf of Quayside Archive")
    assert event["detail"]["on_behalf_of"] == partner["id"]
    assert await stage_of(api.http, pid) == "proposal"


async def test_only_staff_act_for_a_partner_and_only_for_a_partner_of_the_project(api):
    partner = await create_partner(api)
    other = await create_partner(api)
    pid = (await create_project(api, [partner["id"]]))["id"]
    url = f"/api/v1/projects/{pid}/milestones/proposal/submissions"

    stranger = await api.http.post(url, json={"summary": "x", "on_behalf_of": other["id"]})
    assert stranger.status_code == 422 and stranger.json()["errors"][0]["field"] == "on_behalf_of"
    staff_milestone = await api.http.post(
        f"/api/v1/projects/{pid}/milestones/proposal_review_notes/submissions",
        json={"summary": "x", "on_behalf_of": partner["id"]},
    )
    assert staff_milestone.status_code == 422 and staff_milestone.json()["errors"][0]["field"] == "on_behalf_of"
    async with await partner_client(api, partner["id"]) as as_partner:
        by_partner = await as_partner.post(url, json={"summary": "x", "on_behalf_of": partner["id"]})
    assert by_partner.status_code == 403, by_partner.text
    assert by_partner.json()["errors"][0]["field"] == "on_behalf_of"

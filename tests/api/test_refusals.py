"""Input the workflow refuses comes back at once as a 4xx naming the field and the reason."""

from __future__ import annotations

from tests.api.support import create_partner, create_project, ok, partner_client, read_project, review, submit


async def test_out_of_turn_wrong_party_unknown_and_malformed_input_are_refused_with_field_and_reason(api):
    partner = await create_partner(api)
    project = await create_project(api, [partner["id"]])
    pid = project["id"]
    async with await partner_client(api, partner["id"]) as as_partner:
        out_of_turn = await submit(as_partner, pid, "partnership_agreement")
        assert out_of_turn.status_code == 409
        assert out_of_turn.json() == {
            "error": "OutOfTurn",
            "detail": "'partnership_agreement' belongs to the partnership stage; the project is at proposal",
            "errors": [
                {
                    "field": "milestone_key",
                    "reason": "'partnership_agreement' belongs to the partnership stage; the project is at proposal",
                }
            ],
        }

        wrong_party = await submit(as_partner, pid, "proposal_review_notes")
        assert wrong_party.status_code == 403
        assert wrong_party.json()["error"] == "WrongParty"
        assert wrong_party.json()["errors"][0]["field"] == "milestone_key"
        assert "submitted by staff" in wrong_party.json()["errors"][0]["reason"]

        unknown = await submit(as_partner, pid, "no_such_milestone")
        assert unknown.status_code == 404
        assert unknown.json()["error"] == "UnknownTarget"
        assert unknown.json()["errors"][0]["field"] == "milestone_key"

        empty = await as_partner.post(
            f"/api/v1/projects/{pid}/milestones/proposal/submissions", json={"summary": "", "links": ["not a url"]}
        )
        assert empty.status_code == 422
        fields = {e["field"].split(".")[0] for e in empty.json()["errors"]}
        assert {"summary", "links"} <= fields

        ok(await submit(api.http, pid, "proposal_review_notes"), 201)
        staff_on_partner_milestone = await submit(api.http, pid, "proposal")
        assert staff_on_partner_milestone.status_code == 403
        ok(await submit(as_partner, pid, "proposal"), 201)

    # A rule over state rather than shape: returning needs a note (the workflow's validator says so).
    no_note = await review(api.http, pid, "proposal", decision="return")
    assert no_note.status_code == 422
    assert no_note.json()["errors"][0]["field"] == "note"
    assert no_note.json()["error"] == "InvalidSubmission"
    assert (await review(api.http, pid, "proposal", decision="maybe")).status_code == 422


async def test_a_declined_project_refuses_later_submissions(api):
    partner = await create_partner(api)
    project = await create_project(api, [partner["id"]])
    pid = project["id"]
    async with await partner_client(api, partner["id"]) as as_partner:
        ok(await submit(as_partner, pid, "proposal"), 201)
        declined = ok(await review(api.http, pid, "proposal", decision="decline", note="Not a fit this year"), 200)
        assert declined["status"] == "declined"  # issue 12: not "returned"
        state = await read_project(api.http, pid)
        assert state["stage"] == "declined"
        assert state["ended_reason"] == "Not a fit this year"

        later = await submit(as_partner, pid, "proposal")
        assert later.status_code == 409
        assert later.json()["error"] == "ProjectEnded"


async def test_staff_withdraw_a_project_with_a_reason(api):
    partner = await create_partner(api)
    project = await create_project(api, [partner["id"]])
    pid = project["id"]

    no_reason = await api.http.post(f"/api/v1/projects/{pid}/withdraw", json={"reason": "  "})
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"

    paused = ok(await api.http.post(f"/api/v1/projects/{pid}/pause"), 200)
    assert paused["paused"] is True
    assert (await api.http.post(f"/api/v1/projects/{pid}/pause")).status_code == 409
    assert ok(await api.http.post(f"/api/v1/projects/{pid}/resume"), 200)["paused"] is False

    withdrawn = ok(await api.http.post(f"/api/v1/projects/{pid}/withdraw", json={"reason": "Partner left"}), 200)
    assert withdrawn["stage"] == "withdrawn"
    assert withdrawn["ended_reason"] == "Partner left"
    assert withdrawn["actions"] == []
    again = await api.http.post(f"/api/v1/projects/{pid}/withdraw", json={"reason": "Twice"})
    assert again.status_code == 409
    assert again.json()["error"] == "ProjectEnded"


async def test_updates_to_a_project_that_does_not_exist_are_404(api):
    missing = "0" * 32
    assert (await submit(api.http, missing, "proposal")).status_code == 404
    assert (await api.http.post(f"/api/v1/projects/{missing}/pause")).status_code == 404
    assert (await api.http.get(f"/api/v1/projects/{missing}")).status_code == 404
    assert (await api.http.get(f"/api/v1/projects/{missing}/events")).status_code == 404
    assert (await api.http.get("/api/v1/projects/not%20an%20id")).status_code == 404

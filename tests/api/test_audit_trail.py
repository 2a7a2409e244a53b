"""The audit trail of the staff and admin actions no workflow records (store.tables.AuditEntry): registering
a partner, issuing a key, revoking one, over the JSON API and on the staff pages alike. Each entry names
the key that acted (id and label) and when, and is committed with the action itself (issue 14)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from api.auth import ENV_ADMIN_KEY_ID
from store.audit import entries_for
from tests.api.conftest import Api, http_client
from tests.api.support import ok
from tests.api.survey_support import survey_project

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def _trail(api: Api, target_id: str) -> list[tuple[str, str, str]]:
    async with api.sessionmaker() as session:
        rows = await entries_for(session, target_id)
    now = datetime.now(UTC)
    assert all(now - timedelta(minutes=1) < row.occurred_at <= now for row in rows)
    return [(row.action, row.actor_key_id, row.actor_label) for row in rows]


async def test_partners_and_keys_are_in_the_audit_trail_with_the_key_that_acted(api: Api) -> None:
    desk = ok(await api.http.post("/api/v1/keys", json={"role": "staff", "label": "front desk"}), 201)
    assert await _trail(api, desk["id"]) == [("key_issued", ENV_ADMIN_KEY_ID, "admin")]
    async with http_client(api.app, desk["key"]) as staff:
        body = {"name": "Audited Archive", "contact_name": "Contact Person", "contact_email": "c@example.org"}
        partner = ok(await staff.post("/api/v1/partners", json=body), 201)
        issued = ok(await staff.post(f"/api/v1/partners/{partner['id']}/keys", json={"label": "portal"}), 201)
        assert (await staff.delete(f"/api/v1/keys/{issued['id']}")).status_code == 204
    assert await _trail(api, partner["id"]) == [("partner_registered", desk["id"], "front desk")]
    assert await _trail(api, issued["id"]) == [
        ("key_issued", desk["id"], "front desk"),
        ("key_revoked", desk["id"], "front desk"),
    ]
    # A refused action leaves no entry: the name is taken (409).
    assert (await api.http.post("/api/v1/partners", json=body)).status_code == 409
    assert len(await _trail(api, partner["id"])) == 1


async def test_the_staff_pages_record_the_signed_in_key(api: Api) -> None:
    desk = ok(await api.http.post("/api/v1/keys", json={"role": "staff", "label": "page desk"}), 201)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app), base_url="http://engage.test") as page:
        form = await page.get("/")
        signed = await page.post("/sign-in", data={"csrf": _csrf(form), "key": desk["key"], "next": "/partners"})
        assert signed.status_code == 303, signed.text
        listing = await page.get("/partners")
        fields = {"name": "Paged Archive", "contact_name": "Contact Person", "contact_email": "p@example.org"}
        added = await page.post("/partners", data={"csrf": _csrf(listing), **fields})
        assert added.status_code == 303, added.text
    partners = ok(await api.http.get("/api/v1/partners"), 200)
    [paged] = [p for p in partners["items"] if p["name"] == "Paged Archive"]
    assert await _trail(api, paged["id"]) == [("partner_registered", desk["id"], "page desk")]


def _csrf(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text[:300]
    return found.group(1)


async def test_adding_and_importing_respondents_is_in_the_audit_trail(api: Api) -> None:
    """Respondents are personal data staff add to a project: each one added, and each upload that added
    anyone, names the key that did it (the entry holds ids only, never a name or an address)."""
    project_id, respondent_ids = await survey_project(api)
    for respondent_id in respondent_ids:
        assert await _trail(api, respondent_id) == [("respondent_added", ENV_ADMIN_KEY_ID, "admin")]
    desk = ok(await api.http.post("/api/v1/keys", json={"role": "staff", "label": "survey desk"}), 201)
    csv_text = "name,email,language,role\nEira Participant,eira@respondents.example,en,participant\n"
    files = {"file": ("people.csv", csv_text.encode(), "text/csv")}
    async with http_client(api.app, desk["key"]) as staff:
        url = f"/api/v1/projects/{project_id}/respondents/import"
        assert ok(await staff.post(url, files=files), 200)["added"] == 1
        assert ok(await staff.post(url, files=files), 200)["added"] == 0  # nothing added: no entry
    assert await _trail(api, project_id) == [("respondents_imported", desk["id"], "survey desk")]

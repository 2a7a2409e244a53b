"""A person's export lists the evidence files they sent signed in to their account, and their erasure
unlinks them while the project keeps the file (issue 15). Over the real app, a real worker and the dev
server, on SQLite and PostgreSQL: a partner contact signs in by e-mailed link (the link made in the
store, as tests/api/test_account_attribution.py does) and submits the proposal with a PDF on the page."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from api.accounts.sign_in import LINK_PATH, LINK_VALID
from store.accounts import links as account_links
from tests.api.conftest import Api, http_client
from tests.api.files_support import PDF
from tests.api.support import create_partner, create_project, ok
from tests.api.test_evidence_pages import submit_page

ADDRESS = "ana@harbour.example"


async def test_the_export_lists_a_contacts_upload_and_erasure_unlinks_it_but_the_file_stays(api: Api) -> None:
    partner = await create_partner(api)
    body = {"name": "Ana Lopez", "email": ADDRESS, "role": "partner", "partner_id": partner["id"]}
    user_id = ok(await api.http.post("/api/v1/users", json=body), 201)["id"]
    raw = secrets.token_urlsafe(24)
    async with api.sessionmaker() as session:
        await account_links.create_link(session, user_id, raw, datetime.now(UTC), LINK_VALID)
        await session.commit()
    project_id = (await create_project(api, [partner["id"]]))["id"]
    before = ok(await api.http.get("/api/v1/people/export", params={"email": ADDRESS}), 200)

    async with http_client(api.app, None) as browser:
        assert (await browser.get(f"{LINK_PATH}{raw}")).status_code == 200
        sent = await submit_page(browser, project_id, [("plan.pdf", PDF, "application/pdf")])
        assert sent.status_code == 303, sent.text

    pdf_sha = hashlib.sha256(PDF).hexdigest()
    held = ok(await api.http.get("/api/v1/people/export", params={"email": f" {ADDRESS.upper()} "}), 200)
    assert before["evidence_files"] == []  # fails without the change: the field was not there at all
    [listed] = held["evidence_files"]
    assert listed["source"]["table"] == "evidence_file" and listed["source"]["project_id"] == project_id
    assert listed["source"]["recorded_at"]
    assert (listed["milestone_key"], listed["submission_number"]) == ("proposal", 1)
    assert (listed["shown_name"], listed["media_type"]) == ("plan.pdf", "application/pdf")
    assert (listed["size"], listed["sha256"]) == (len(PDF), pdf_sha)
    stranger = ok(await api.http.get("/api/v1/people/export", params={"email": "nobody@harbour.example"}), 200)
    assert stranger["evidence_files"] == []

    erase = {"email": ADDRESS, "reason": "Her request of 7 December"}
    erased = ok(await api.http.post("/api/v1/people/erase", json=erase), 200)
    assert erased["counts"]["evidence_files"] == 1 and erased["counts"]["accounts"] == 1
    again = ok(await api.http.post("/api/v1/people/erase", json=erase), 200)
    assert again["nothing_left"] is True and again["counts"]["evidence_files"] == 0
    after = ok(await api.http.get("/api/v1/people/export", params={"email": ADDRESS}), 200)
    assert after["evidence_files"] == []

    staff = ok(await api.http.post("/api/v1/keys", json={"role": "staff", "label": "records"}), 201)["key"]
    served = await api.http.get(f"/api/v1/files/{pdf_sha}", headers={"Authorization": f"Bearer {staff}"})
    assert served.status_code == 200 and served.content == PDF  # the project's evidence stays
    submissions = ok(await api.http.get(f"/api/v1/projects/{project_id}"), 200)["milestones"]["proposal"][0]
    assert submissions["submissions"][0]["links"] == [f"sha256:{pdf_sha}"]

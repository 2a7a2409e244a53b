"""The follow-up page (issue 15): respondents added and imported, the schedule moved, waves and outcomes shown.

Over HTTP without a browser (the browser test is tests/pages/test_follow_up_in_a_browser.py), against
the real app, a real worker, the dev server and the database. Each form takes its JSON route's
service, so the JSON API sees what the page did; refusals come back on the page with the field and
reason and the status the JSON route gives; partners get the 404 page.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import select

from store.tables import AuditEntry
from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.support import create_partner, create_project, ok
from tests.api.survey_support import answer, open_wave_now, survey_project

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NONCE = re.compile(r'name="nonce" value="([^"]+)"')

GOOD_AND_BAD_CSV = (
    "name,email,language,role\r\n"
    "Dee Good,dee@import.example,en,participant\r\n"  # row 2: added
    "Eve Bad Address,not-an-address,en,participant\r\n"  # row 3: refused, email
    "Fay Bad Role,fay@import.example,en,visitor\r\n"  # row 4: refused, role
    "Gus Good,gus@import.example,cy,partner_staff\r\n"  # row 5: added
    "Dee Again,DEE@import.example,en,participant\r\n"  # row 6: refused, the same address as row 2
    "Hal Language,hal@import.example,fr,participant\r\n"  # row 7: refused, language
    "Ada Already,ada@respondents.example,en,participant\r\n"  # row 8: refused, already on the project
)


def hidden(page: httpx.Response, pattern: re.Pattern[str] = CSRF) -> str:
    found = pattern.search(page.text)
    assert found, (page.status_code, page.text[:500])
    return found.group(1)


@asynccontextmanager
async def signed_in(api: Api, key: str) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie jar signed in to the pages with `key` (no bearer header)."""
    async with http_client(api.app, None) as http:
        form = await http.get("/")
        answer_ = await http.post("/sign-in", data={"csrf": hidden(form), "key": key})
        assert answer_.status_code == 303, answer_.text
        yield http


@pytest.fixture
async def staff_pages(api: Api) -> AsyncIterator[httpx.AsyncClient]:
    async with signed_in(api, ADMIN_KEY) as http:
        yield http


def rows_of(page: httpx.Response, table_id: str) -> list[str]:
    """The text of each body row of the table with this id, tags stripped, spaces collapsed."""
    table = page.text.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("</tr>")[:-1]]


async def test_staff_add_a_respondent_on_the_page_and_bad_input_is_refused_beside_the_form(
    api: Api, staff_pages: httpx.AsyncClient
) -> None:
    partner = await create_partner(api)
    project_id = (await create_project(api, [partner["id"]]))["id"]
    page = await staff_pages.get(f"/projects/{project_id}/follow-up")
    assert page.status_code == 200, page.text
    assert "Planned waves" in page.text and "0 respondents" in page.text
    assert f'href="/projects/{project_id}/follow-up"' in (await staff_pages.get(f"/projects/{project_id}")).text

    form = {"csrf": hidden(page), "nonce": hidden(page, NONCE), "role": "participant", "language": "cy"}
    added = await staff_pages.post(
        f"/projects/{project_id}/follow-up/respondents", data=form | {"name": "Iolo Page", "email": "iolo@page.example"}
    )
    assert added.status_code == 303 and added.headers["location"] == f"/projects/{project_id}/follow-up"
    listed = ok(await api.http.get(f"/api/v1/projects/{project_id}/respondents"), 200)["items"]
    assert [(r["name"], r["language"], r["role"]) for r in listed] == [("Iolo Page", "cy", "participant")]
    page = await staff_pages.get(f"/projects/{project_id}/follow-up")
    assert rows_of(page, "respondents")[0].startswith("Iolo Page iolo@page.example Participant cy")
    assert "1 respondent;" in page.text

    bad = await staff_pages.post(
        f"/projects/{project_id}/follow-up/respondents", data=form | {"name": "Jo", "email": "not-an-address"}
    )
    assert bad.status_code == 422
    assert 'id="add_respondent-email-error"' in bad.text and 'value="not-an-address"' in bad.text
    again = await staff_pages.post(
        f"/projects/{project_id}/follow-up/respondents", data=form | {"name": "Iolo", "email": "IOLO@page.example"}
    )
    assert again.status_code == 409, again.text
    assert "already a respondent of this project" in again.text
    forged = await staff_pages.post(
        f"/projects/{project_id}/follow-up/respondents", data=form | {"csrf": "forged", "name": "X", "email": "x@x.io"}
    )
    assert forged.status_code == 403
    assert len(ok(await api.http.get(f"/api/v1/projects/{project_id}/respondents"), 200)["items"]) == 1


async def test_a_csv_import_reports_each_row_added_or_refused_with_the_reason(
    api: Api, staff_pages: httpx.AsyncClient
) -> None:
    project_id, _ = await survey_project(api)  # Ada, Bryn and Cai already
    page = await staff_pages.get(f"/projects/{project_id}/follow-up")
    files = {"file": ("people.csv", GOOD_AND_BAD_CSV.encode(), "text/csv")}
    imported = await staff_pages.post(
        f"/projects/{project_id}/follow-up/respondents/import", data={"csrf": hidden(page)}, files=files
    )
    assert imported.status_code == 200, imported.text
    assert "Import report: 2 added, 5 refused" in imported.text
    report = rows_of(imported, "import-report")
    assert report[0] == "2 Added —"
    assert report[1].startswith("3 Refused E-mail: not a valid e-mail address")
    assert report[2].startswith("4 Refused Role: the role must be one of")
    assert report[3] == "5 Added —"
    assert report[4] == "6 Refused E-mail: duplicate within the file: the same address is on row 2"
    assert report[5].startswith("7 Refused Language: unknown language")
    assert report[6] == "8 Refused E-mail: already a respondent of this project"
    names = [r["name"] for r in ok(await api.http.get(f"/api/v1/projects/{project_id}/respondents"), 200)["items"]]
    assert sorted(names) == ["Ada Participant", "Bryn Partner", "Cai Participant", "Dee Good", "Gus Good"]

    not_csv = {"file": ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "text/csv")}
    refused = await staff_pages.post(
        f"/projects/{project_id}/follow-up/respondents/import", data={"csrf": hidden(page)}, files=not_csv
    )
    assert refused.status_code == 422 and "not a CSV file" in refused.text and 'id="import-file-error"' in refused.text
    forged = await staff_pages.post(
        f"/projects/{project_id}/follow-up/respondents/import", data={"csrf": "forged"}, files=files
    )
    assert forged.status_code == 403
    assert len(ok(await api.http.get(f"/api/v1/projects/{project_id}/respondents"), 200)["items"]) == 5


async def test_the_schedule_form_takes_the_json_routes_path_and_refuses_as_it_does(
    api: Api, staff_pages: httpx.AsyncClient
) -> None:
    partner = await create_partner(api)
    project_id = (await create_project(api, [partner["id"]]))["id"]
    page = await staff_pages.get(f"/projects/{project_id}/follow-up")
    form = {"csrf": hidden(page), "nonce": hidden(page, NONCE)}
    moved = await staff_pages.post(f"/projects/{project_id}/follow-up/schedule", data=form | {"offsets": "P1M\nP2M"})
    assert moved.status_code == 303, moved.text
    assert ok(await api.http.get(f"/api/v1/projects/{project_id}/follow-up"), 200)["schedule"] == ["P1M", "P2M"]
    page = await staff_pages.get(f"/projects/{project_id}/follow-up")
    assert [row.split(" (")[0] for row in rows_of(page, "waves")] == [
        "Wave 1 1 month after the end",
        "Wave 2 2 months after the end",
    ]

    backwards = await staff_pages.post(f"/projects/{project_id}/follow-up/schedule", data=form | {"offsets": "P2M P1M"})
    json_refusal = await api.http.put(
        f"/api/v1/projects/{project_id}/follow-up/schedule", json={"offsets": ["P2M", "P1M"]}
    )
    assert backwards.status_code == json_refusal.status_code == 422
    assert 'id="schedule-offsets-error"' in backwards.text
    nothing = await staff_pages.post(f"/projects/{project_id}/follow-up/schedule", data=form)
    assert nothing.status_code == 422
    bad_date = await staff_pages.post(
        f"/projects/{project_id}/follow-up/schedule", data=form | {"anchor_at": "next tuesday"}
    )
    assert bad_date.status_code == 422 and 'id="schedule-anchor_at-error"' in bad_date.text
    assert ok(await api.http.get(f"/api/v1/projects/{project_id}/follow-up"), 200)["schedule"] == ["P1M", "P2M"]


async def test_waves_show_counts_and_rates_outcomes_are_charted_with_n_and_the_csv_is_audited(
    api: Api, staff_pages: httpx.AsyncClient
) -> None:
    project_id, _ = await survey_project(api)
    tokens = await open_wave_now(api, project_id)
    ok(await answer(api.http, next(iter(tokens.values()))), 201)
    page = await staff_pages.get(f"/projects/{project_id}/follow-up")
    assert page.status_code == 200, page.text
    [wave] = rows_of(page, "waves")
    # wave, when, due, state, invited 3, answered 1, rate 33%, reminders 0, opted out 0
    assert re.search(r"^Wave 1 .* Open 3 1 33% 0 0 ", wave), wave
    assert "<svg" in page.text and 'role="img"' in page.text
    assert "n = 1" in page.text and "Mean answer (1 to 5)" in page.text
    assert "(1 response; no names or addresses)" in page.text

    # The project page's follow-up section says the same in a sentence per wave (counts only: no names).
    project_page = (await staff_pages.get(f"/projects/{project_id}")).text
    summary = " ".join(re.sub(r"<[^>]+>", " ", project_page.split('id="follow-up-summary"', 1)[1]).split())
    assert summary.startswith(">3 respondents, 0 opted out. 1 wave sent so far."), summary[:200]
    assert "3 invited, 1 answered (33%), 0 reminders sent." in summary
    assert "Ada Participant" not in project_page

    csv = await staff_pages.get(f"/projects/{project_id}/follow-up/responses.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("respondent_id,role,language,wave_index,offset,submitted_at")
    assert len(csv.text.strip().splitlines()) == 2
    async with api.sessionmaker() as session:
        actions = (await session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == project_id))).all()
    assert "responses_exported" in actions and "respondents_read" in actions


async def test_partners_get_the_404_page_for_the_follow_up_page_and_its_forms(
    api: Api, staff_pages: httpx.AsyncClient
) -> None:
    partner = await create_partner(api)
    project_id = (await create_project(api, [partner["id"]]))["id"]
    key = ok(await api.http.post(f"/api/v1/partners/{partner['id']}/keys", json={"label": "portal"}), 201)["key"]
    async with signed_in(api, key) as partner_pages:
        project_page = await partner_pages.get(f"/projects/{project_id}")
        assert project_page.status_code == 200 and "/follow-up" not in project_page.text
        assert (await partner_pages.get(f"/projects/{project_id}/follow-up")).status_code == 404
        assert (await partner_pages.get(f"/projects/{project_id}/follow-up/responses.csv")).status_code == 404
        body = {"csrf": hidden(project_page), "name": "P", "email": "p@p.example", "role": "participant"}
        assert (await partner_pages.post(f"/projects/{project_id}/follow-up/respondents", data=body)).status_code == 404
    assert (await staff_pages.get("/projects/no-such-project/follow-up")).status_code == 404

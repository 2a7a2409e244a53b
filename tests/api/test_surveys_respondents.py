"""Respondents over HTTP: added one by one or from a CSV with a per-row report; staff only; no tokens shown."""

from __future__ import annotations

import uuid
from typing import TypedDict

from api.errors import PROJECT_NOT_FOUND, RESPONDENT_EXISTS
from api.follow_up.schemas import RespondentRole
from domain.respondents import RESPONDENT_ROLES
from tests.api.conftest import Api
from tests.api.support import create_partner, create_project, ok, partner_client
from tests.api.survey_support import PEOPLE, open_wave_now, survey_project

ADA = PEOPLE[0]


class Upload(TypedDict):
    """httpx's `files=` argument for one CSV, spread into `post(**upload(...))`."""

    files: dict[str, tuple[str, bytes, str]]


def upload(text: str | bytes, name: str = "people.csv", content_type: str = "text/csv") -> Upload:
    data = text.encode() if isinstance(text, str) else text
    return {"files": {"file": (name, data, content_type)}}


async def test_the_api_roles_are_the_stores_roles() -> None:
    assert set(RespondentRole.__args__) == set(RESPONDENT_ROLES)  # type: ignore[attr-defined]


async def test_staff_add_a_respondent_and_a_second_with_the_same_address_is_refused(api: Api) -> None:
    project_id, _ = await survey_project(api, people=[])
    added = ok(await api.http.post(f"/api/v1/projects/{project_id}/respondents", json=ADA), 201)
    assert {k: added[k] for k in ("name", "email", "language", "role")} == ADA
    assert added["opted_out_at"] is None and added["bounced_at"] is None
    assert "token" not in str(added)

    again = await api.http.post(
        f"/api/v1/projects/{project_id}/respondents", json={**ADA, "email": " ADA@Respondents.Example ", "name": "A"}
    )
    assert again.status_code == 409, again.text
    assert again.json() == {
        "error": "Duplicate",
        "detail": RESPONDENT_EXISTS,
        "errors": [{"field": "email", "reason": "already a respondent of this project"}],
    }


async def test_a_language_no_instrument_offers_and_other_bad_fields_are_422_with_the_field(api: Api) -> None:
    project_id, _ = await survey_project(api, people=[])
    url = f"/api/v1/projects/{project_id}/respondents"
    refused = await api.http.post(url, json={**ADA, "language": "fr"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "language" and "en, cy" in refused.json()["errors"][0]["reason"]
    for body in (
        {**ADA, "email": "not-an-address"},
        {**ADA, "email": "someone@example."},
        {**ADA, "name": ""},
        {**ADA, "role": "visitor"},
        {**ADA, "language": "english; drop table"},
        {**ADA, "extra": 1},
        {"name": "Only a name"},
    ):
        answer = await api.http.post(url, json=body)
        assert answer.status_code == 422, (body, answer.text)
    defaulted = ok(await api.http.post(url, json={k: v for k, v in ADA.items() if k != "language"}), 201)
    assert defaulted["language"] == "en"


async def test_respondents_are_listed_in_pages_without_their_links(api: Api) -> None:
    project_id, ids = await survey_project(api)
    await open_wave_now(api, project_id)  # tokens exist now; the list must still not show them
    first = ok(await api.http.get(f"/api/v1/projects/{project_id}/respondents", params={"limit": 2}), 200)
    rest = ok(await api.http.get(f"/api/v1/projects/{project_id}/respondents", params={"limit": 2, "offset": 2}), 200)
    assert first["total"] == 3 and [r["id"] for r in first["items"] + rest["items"]] == ids
    assert set(first["items"][0]) == {
        "id",
        "name",
        "email",
        "language",
        "role",
        "created_at",
        "opted_out_at",
        "bounced_at",
    }


async def test_partners_and_strangers_get_404_for_respondents(api: Api) -> None:
    partner = await create_partner(api)
    project = await create_project(api, [partner["id"]])
    url = f"/api/v1/projects/{project['id']}/respondents"
    async with await partner_client(api, partner["id"]) as as_partner:
        for answer in (
            await as_partner.get(url),
            await as_partner.post(url, json=ADA),
            await as_partner.post(f"{url}/import", **upload("name,email,language,role\n")),
            await as_partner.get(f"/api/v1/projects/{project['id']}/follow-up"),
            await as_partner.get(f"/api/v1/projects/{project['id']}/responses.csv"),
            await as_partner.get(f"/api/v1/projects/{project['id']}/outcomes"),
        ):
            assert answer.status_code == 404, answer.text
            assert answer.json()["detail"] == PROJECT_NOT_FOUND
    unknown = await api.http.get(f"/api/v1/projects/{uuid.uuid4().hex}/respondents")
    assert unknown.status_code == 404
    too_long = await api.http.post(f"/api/v1/projects/{'x' * 300}/respondents", json=ADA)
    assert too_long.status_code == 404


async def test_a_csv_import_adds_good_rows_and_says_why_each_other_row_was_refused(api: Api) -> None:
    project_id, _ = await survey_project(api, people=[ADA])
    csv_text = (
        "\ufeffName, Email ,language,role,notes\r\n"
        "Bea One,bea@respondents.example,cy,participant,first\r\n"
        "Bad Address,not-an-address,en,participant,\r\n"
        "Bea Again,BEA@respondents.example,en,participant,\r\n"
        "Ada Twice,ada@respondents.example,en,participant,\r\n"
        "French,fr@respondents.example,fr,participant,\r\n"
        ",noname@respondents.example,en,participant,\r\n"
        "\r\n"
        "Wrong Role,role@respondents.example,en,visitor,\r\n"
        '"Dafydd, Jr",dafydd@respondents.example,,partner_staff,"quoted, with comma"\r\n'
    )
    report = ok(await api.http.post(f"/api/v1/projects/{project_id}/respondents/import", **upload(csv_text)), 200)
    rows = [(r["row"], r["status"], r["field"]) for r in report["rows"]]
    assert rows == [
        (2, "added", None),
        (3, "refused", "email"),
        (4, "refused", "email"),
        (5, "refused", "email"),
        (6, "refused", "language"),
        (7, "refused", "name"),
        (9, "refused", "role"),
        (10, "added", None),
    ]
    reasons = {r["row"]: r["reason"] for r in report["rows"]}
    assert reasons[3] == "not a valid e-mail address"
    assert reasons[4] == "duplicate within the file: the same address is on row 2"
    assert reasons[5] == "already a respondent of this project"
    assert reasons[6].startswith("unknown language")
    assert reasons[7] == "a name is required"
    assert (report["added"], report["refused"]) == (2, 6)
    listed = ok(await api.http.get(f"/api/v1/projects/{project_id}/respondents"), 200)
    assert {(r["name"], r["language"]) for r in listed["items"]} == {
        ("Ada Participant", "en"),
        ("Bea One", "cy"),
        ("Dafydd, Jr", "en"),
    }
    # The same file again adds nothing: every good row is now "already a respondent".
    again = ok(await api.http.post(f"/api/v1/projects/{project_id}/respondents/import", **upload(csv_text)), 200)
    assert again["added"] == 0


async def test_an_upload_that_is_not_a_csv_with_the_header_is_refused_with_the_reason(api: Api) -> None:
    project_id, _ = await survey_project(api, people=[])
    url = f"/api/v1/projects/{project_id}/respondents/import"
    cases = {
        "no header": upload("Ada,ada@respondents.example,en,participant\n"),
        "binary": upload(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.png", "image/png"),
        "empty": upload(""),
        "latin-1": upload("name,email,language,role\nJos\xe9,j@respondents.example,en,participant\n".encode("latin-1")),
        "bad quoting": upload('name,email,language,role\n"Ada,ada@respondents.example,en,participant\n'),
    }
    for case, files in cases.items():
        answer = await api.http.post(url, **files)
        assert answer.status_code == 422, (case, answer.text)
        assert answer.json()["errors"][0]["field"] == "file", case
    not_multipart = await api.http.post(url, content=b"name,email\n", headers={"Content-Type": "text/csv"})
    assert not_multipart.status_code == 422 and not_multipart.json()["errors"][0]["field"] == "file"
    wrong_field = await api.http.post(url, files={"upload": ("a.csv", b"name,email,language,role\n", "text/csv")})
    assert wrong_field.status_code == 422 and wrong_field.json()["errors"][0]["field"] == "file"
    json_body = await api.http.post(url, json={"file": "name,email"})
    assert json_body.status_code == 422


async def test_an_upload_over_the_size_or_row_limit_is_refused_as_too_large(api: Api) -> None:
    project_id, _ = await survey_project(api, people=[])
    url = f"/api/v1/projects/{project_id}/respondents/import"
    big = "name,email,language,role\n" + ("x" * 1000 + ",a@respondents.example,en,participant\n") * 2200
    too_big = await api.http.post(url, **upload(big))
    assert too_big.status_code == 413 and too_big.json()["errors"][0]["field"] == "file"
    many = "name,email,language,role\n" + "".join(f"P{n},p{n}@r.example,en,participant\n" for n in range(5001))
    too_many = await api.http.post(url, **upload(many))
    assert too_many.status_code == 413 and too_many.json()["errors"][0]["reason"] == "more than 5000 rows"
    listed = ok(await api.http.get(f"/api/v1/projects/{project_id}/respondents"), 200)
    assert listed["total"] == 0

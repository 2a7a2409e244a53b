"""What every answer gets before a route runs (api/http_guards.py): headers, a body limit, storable
text and a truthful Allow, on JSON routes, public routes and pages alike."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping

import pytest

from tests.api.exchange_support import application_body, fresh_year
from tests.api.support import create_partner, ok, project_body
from tests.api.survey_support import GOOD_ANSWERS, open_wave_now, survey_project

ONE_MIB = 1024 * 1024


def raw_json(document: Mapping[str, object], *, lone: str) -> bytes:
    """`document` as JSON with the string `"LONE"` replaced by `lone` spelled as a JSON escape."""
    return json.dumps(document).replace('"LONE"', f'"{lone}"').encode()


def assert_names(response, field: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "InvalidSubmission"
    assert field in [e["field"] for e in body["errors"]], body


async def test_every_answer_carries_the_security_headers_and_json_is_never_cached(api):
    for response in (
        await api.http.get("/api/v1/partners"),
        await api.http.get("/api/v1/projects/nope"),
        await api.http.get("/healthz"),
        await api.http.get("/signin"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff", response.request.url
        assert response.headers["x-frame-options"] == "DENY"
        assert "referrer-policy" in response.headers
        assert response.headers["cache-control"] == "no-store"
    partners = await api.http.get("/api/v1/partners")
    assert "frame-ancestors 'none'" in partners.headers["content-security-policy"]


async def test_a_body_over_the_limit_is_413_before_it_is_parsed_with_or_without_a_length(api):
    big = json.dumps(project_body([], summary="s" * (ONE_MIB + 10))).encode()
    declared = await api.http.post("/api/v1/projects", content=big, headers={"Content-Type": "application/json"})
    assert declared.status_code == 413, declared.text
    assert declared.json()["error"] == "BodyTooLarge"
    assert len(declared.content) < 1000, "the answer does not echo the body"

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    chunked = await api.http.post("/api/v1/projects", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in chunked.request.headers
    assert chunked.status_code == 413, chunked.text
    # Just under the limit is parsed as usual (and refused by the schema for its own reasons).
    assert (await api.http.post("/api/v1/projects", json=project_body([], summary="s" * 100_000))).status_code == 422


async def test_a_lone_surrogate_is_422_naming_the_field_on_staff_and_public_routes(api):
    partner = await create_partner(api)
    headers = {"Content-Type": "application/json"}
    body = {"name": "LONE", "contact_name": "Someone", "contact_email": "someone@example.org"}
    assert_names(
        await api.http.post("/api/v1/partners", content=raw_json(body, lone="\\ud800"), headers=headers), "name"
    )

    created = raw_json(
        project_body([partner["id"]], lead={"name": "LONE", "email": "lead@museum.example"}), lone="\\udfff"
    )
    assert_names(await api.http.post("/api/v1/projects", content=created, headers=headers), "lead.name")

    # Public: a survey answer with a real link, and an exchange application.
    project_id, _ = await survey_project(api)
    token = next(iter((await open_wave_now(api, project_id)).values()))
    answer = raw_json({"answers": {**GOOD_ANSWERS, "lasting_difference": "LONE"}}, lone="A\\ud83d")
    anonymous = api.http.headers.copy()
    del anonymous["Authorization"]
    response = await api.http.post(f"/api/v1/surveys/{token}/responses", content=answer, headers=headers)
    assert_names(response, "answers.lasting_difference")
    application = raw_json(application_body("LONE", "a@b.example", "Org"), lone="\\udc00")
    assert_names(
        await api.http.post(
            f"/api/v1/exchange/programmes/{fresh_year()}/applications", content=application, headers=headers
        ),
        "name",
    )
    # A proper pair (an emoji) is ordinary text.
    pair = raw_json({"answers": {**GOOD_ANSWERS, "lasting_difference": "LONE"}}, lone="\\ud83d\\ude00")
    ok(await api.http.post(f"/api/v1/surveys/{token}/responses", content=pair, headers=headers), 201)


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/partners", {"GET", "POST", "OPTIONS"}),
        ("/api/v1/exchange/schedule", {"GET", "POST", "DELETE", "OPTIONS"}),
    ],
)
async def test_options_and_405_list_every_method_of_the_path(api, path, methods):
    options = await api.http.options(path)
    assert options.status_code == 204, options.text
    assert {m.strip() for m in options.headers["allow"].split(",")} == methods
    wrong = await api.http.patch(path, json={})
    assert wrong.status_code == 405
    assert {m.strip() for m in wrong.headers["allow"].split(",")} == methods
    assert (await api.http.options("/api/v1/no-such-thing")).status_code == 404
    # Every method Allow names is answered by something other than 405.
    for method in methods - {"OPTIONS"}:
        assert (await api.http.request(method, path)).status_code != 405, method


async def test_the_nul_character_is_422_naming_where_it_is_never_a_500(api):
    """PostgreSQL stores no NUL (U+0000) in text or JSONB: Schemathesis found a 500 for one in a partner's
    name, a replacement partner id, a path and a query (issue 14); each is now 422 naming the input."""
    headers = {"Content-Type": "application/json"}
    body = {"name": "LONE", "contact_name": "Someone", "contact_email": "someone@example.org"}
    assert_names(
        await api.http.post("/api/v1/partners", content=raw_json(body, lone="A\\u0000B"), headers=headers), "name"
    )
    assert_names(await api.http.get("/api/v1/partners/a%00b"), "path")
    assert_names(await api.http.get("/api/v1/projects", params={"partner": "a\x00b"}), "query.partner")
    project_id, _ = await survey_project(api)
    token = next(iter((await open_wave_now(api, project_id)).values()))
    answer = raw_json({"answers": {**GOOD_ANSWERS, "lasting_difference": "LONE"}}, lone="x\\u0000")
    response = await api.http.post(f"/api/v1/surveys/{token}/responses", content=answer, headers=headers)
    assert_names(response, "answers.lasting_difference")
    # A backslash followed by the letters u0000 is ordinary text.
    plain = raw_json({**body, "name": "LONE"}, lone="Backslash \\\\u0000 Archive")
    assert (
        ok(await api.http.post("/api/v1/partners", content=plain, headers=headers), 201)["name"]
        == "Backslash \\u0000 Archive"
    )

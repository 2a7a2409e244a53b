"""The respondent's side as JSON, authenticated by the link alone: read the survey, answer once, opt out.

The wave is opened as the worker's open_survey_wave activity would (store.surveys.writes_wave_open), so these tests
need no FollowUpWorkflow; the signals they send find none, which must never fail a request.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from api.errors import SURVEY_ANSWERED, SURVEY_CLOSED, SURVEY_NOT_FOUND, SURVEY_OPTED_OUT
from store.tables import Respondent, SurveyResponse
from tests.api.conftest import Api, http_client
from tests.api.support import ok
from tests.api.survey_support import GOOD_ANSWERS, QUESTION_KEYS, answer, close_wave_now, open_wave_now, survey_project


async def test_a_link_shows_the_survey_in_the_respondents_language_without_an_api_key(api: Api) -> None:
    project_id, (ada, bryn, _) = await survey_project(api)
    tokens = await open_wave_now(api, project_id)
    async with http_client(api.app, key=None) as anyone:
        english = ok(await anyone.get(f"/api/v1/surveys/{tokens[ada]}"), 200)
        welsh = ok(await anyone.get(f"/api/v1/surveys/{tokens[bryn]}"), 200)
        asked = ok(await anyone.get(f"/api/v1/surveys/{tokens[ada]}", params={"lang": "cy"}), 200)
        unknown_lang = ok(await anyone.get(f"/api/v1/surveys/{tokens[ada]}", params={"lang": "xx"}), 200)

    assert english["language"] == "en" and english["languages"] == ["en", "cy"]
    assert english["instrument"] == "community-project@1" and english["project_title"] == "Voices of the River"
    assert english["wave"]["index"] == 0
    assert [q["key"] for q in english["questions"]] == QUESTION_KEYS
    likert = english["questions"][0]
    assert likert["kind"] == "likert" and likert["required"] is True
    assert [p["value"] for p in likert["scale"]] == [1, 2, 3, 4, 5]
    assert likert["scale"][0]["label"] == "Strongly disagree"
    choice = next(q for q in english["questions"] if q["key"] == "contact_since")
    assert choice["choices"][0] == {"key": "often", "label": "Yes, often"}
    assert welsh["language"] == "cy" and welsh["title"] == "Sut mae'r prosiect wedi aros gyda chi?"
    welsh_choice = next(q for q in welsh["questions"] if q["key"] == "contact_since")
    assert welsh_choice["choices"][0] == {"key": "often", "label": "Ydw, yn aml"}
    assert asked["language"] == "cy" and unknown_lang["language"] == "en"
    assert "email" not in str(english) and "ada@" not in str(english)


async def test_an_answer_is_saved_once_and_a_second_one_is_refused_without_touching_the_first(api: Api) -> None:
    project_id, (ada, _, _) = await survey_project(api)
    tokens = await open_wave_now(api, project_id)
    async with http_client(api.app, key=None) as anyone:
        first = ok(await answer(anyone, tokens[ada]), 201)
        second = await answer(anyone, tokens[ada], {**GOOD_ANSWERS, "confidence": 1})
        read_again = await anyone.get(f"/api/v1/surveys/{tokens[ada]}")

    assert first["wave_index"] == 0 and first["submitted_at"]
    assert second.status_code == 409
    assert second.json() == {
        "error": "SurveyUnavailable",
        "detail": SURVEY_ANSWERED,
        "errors": [{"field": "token", "reason": "answered"}],
    }
    assert read_again.status_code == 409
    async with api.sessionmaker() as session:
        stored = (await session.scalars(select(SurveyResponse))).all()
    assert len(stored) == 1
    assert stored[0].answers["confidence"] == 5
    assert stored[0].answers["activities_since"] == ["visited", "shared_skills"]
    assert stored[0].language == "en" and stored[0].instrument == "community-project@1"


async def test_bad_answers_are_422_naming_the_question_and_nothing_is_stored(api: Api) -> None:
    project_id, (ada, _, _) = await survey_project(api)
    tokens = await open_wave_now(api, project_id)
    url = f"/api/v1/surveys/{tokens[ada]}/responses"
    without_confidence = {k: v for k, v in GOOD_ANSWERS.items() if k != "confidence"}
    cases: list[tuple[dict[str, Any], str, str]] = [
        (without_confidence, "confidence", "an answer is required"),
        ({**GOOD_ANSWERS, "skills_gained": 7}, "skills_gained", "choose a whole number from 1 to 5"),
        ({**GOOD_ANSWERS, "skills_gained": True}, "skills_gained", "must be a number"),
        ({**GOOD_ANSWERS, "contact_since": "never"}, "contact_since", "choose one of ['no', 'often', 'sometimes']"),
        ({**GOOD_ANSWERS, "activities_since": ["flew"]}, "activities_since", "choose any of"),
        ({**GOOD_ANSWERS, "visits_since": -1}, "visits_since", "must be at least 0"),
        ({**GOOD_ANSWERS, "visits_since": "lots"}, "visits_since", "must be a number"),
        ({**GOOD_ANSWERS, "visits_since": "NaN"}, "visits_since", "must be"),
        ({**GOOD_ANSWERS, "lasting_difference": {"a": 1}}, "lasting_difference", "must be text"),
        ({**GOOD_ANSWERS, "lasting_difference": "x" * 5001}, "lasting_difference", "must be at most 5000"),
        ({**GOOD_ANSWERS, "favourite_colour": "blue"}, "favourite_colour", "this survey has no such question"),
    ]
    async with http_client(api.app, key=None) as anyone:
        for answers, field, reason in cases:
            refused = await anyone.post(url, json={"answers": answers})
            assert refused.status_code == 422, (field, refused.text)
            assert refused.json()["errors"][0]["field"] == field
            assert refused.json()["errors"][0]["reason"].startswith(reason), refused.json()
        nan_body = b'{"answers": {"visits_since": NaN, "skills_gained": 4}}'
        raw_nan = await anyone.post(url, content=nan_body, headers={"Content-Type": "application/json"})
        assert raw_nan.status_code == 422, raw_nan.text
        body: object  # the bodies below differ in shape on purpose
        for body in (
            {},
            {"answers": []},
            {"answers": "yes"},
            {"answers": GOOD_ANSWERS, "extra": 1},
            {"answers": GOOD_ANSWERS, "language": "not a language"},
            {"answers": {f"k{n}": 1 for n in range(300)}},
        ):
            malformed = await anyone.post(url, json=body)
            assert malformed.status_code == 422, (body, malformed.text)
        not_json = await anyone.post(url, content=b"answers=1", headers={"Content-Type": "application/json"})
        assert not_json.status_code == 422
    async with api.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


async def test_wrong_closed_and_opted_out_links_are_refused_with_clear_reasons(api: Api) -> None:
    project_id, (ada, bryn, cai) = await survey_project(api)
    tokens = await open_wave_now(api, project_id)
    async with http_client(api.app, key=None) as anyone:
        for garbage in ("not-a-token-at-all-but-long-enough", "x", "%2e%2e", "a" * 500, tokens[ada][:-1] + "~"):
            refused = await anyone.get(f"/api/v1/surveys/{garbage}")
            assert refused.status_code == 404, (garbage, refused.text)
        unknown = await anyone.post("/api/v1/surveys/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/responses", json={"answers": {}})
        assert unknown.status_code == 404 and unknown.json()["detail"] == SURVEY_NOT_FOUND

        opted = ok(await anyone.post(f"/api/v1/surveys/{tokens[bryn]}/opt-out", json={}), 200)
        assert opted == {"opted_out": True, "everywhere": False}
        assert ok(await anyone.post(f"/api/v1/surveys/{tokens[bryn]}/opt-out"), 200)["everywhere"] is False
        after_opt_out = await answer(anyone, tokens[bryn])
        assert after_opt_out.status_code == 410 and after_opt_out.json()["detail"] == SURVEY_OPTED_OUT

        await close_wave_now(api, project_id)
        closed = await anyone.get(f"/api/v1/surveys/{tokens[cai]}")
        assert closed.status_code == 410 and closed.json()["detail"] == SURVEY_CLOSED
        late = await answer(anyone, tokens[cai])
        assert late.status_code == 410 and late.json()["errors"][0]["reason"] == "closed"
        # An old link still opts out: people unsubscribe from old e-mails.
        everywhere = ok(await anyone.post(f"/api/v1/surveys/{tokens[cai]}/opt-out", json={"everywhere": True}), 200)
        assert everywhere["everywhere"] is True
        bad_opt_out = await anyone.post(f"/api/v1/surveys/{tokens[cai]}/opt-out", json={"everywhere": "often"})
        assert bad_opt_out.status_code == 422
        unknown_opt_out = await anyone.post("/api/v1/surveys/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/opt-out", json={})
        assert unknown_opt_out.status_code == 404
    async with api.sessionmaker() as session:
        opted_out = await session.scalars(select(Respondent.id).where(Respondent.opted_out_at.is_not(None)))
        assert set(opted_out) == {bryn, cai}

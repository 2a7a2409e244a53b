"""domain.surveys: `validate_answers` cleans or refuses each kind of answer, naming the question;
the instrument and framework models refuse malformed definitions."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from domain.instruments import InstrumentCatalog
from domain.surveys import AnswerError, Outcome, OutcomeFramework, Question, SurveyInstrument, validate_answers


def shipped(ref: str) -> SurveyInstrument:
    found = InstrumentCatalog.load_shipped().get(ref)
    assert found is not None, ref
    return found


PROJECT = shipped("community-project@1")
REQUIRED = {"skills_gained": 4, "confidence": 3, "museum_understanding": 5, "wellbeing": 2, "contact_since": "often"}


def answered(**extra: object) -> dict[str, Any]:
    return validate_answers(PROJECT, {**REQUIRED, **extra})


def refusal(**extra: object) -> tuple[str, str]:
    with pytest.raises(AnswerError) as raised:
        answered(**extra)
    assert str(raised.value) == f"{raised.value.question}: {raised.value.reason}"
    return raised.value.question, raised.value.reason


def test_a_complete_response_comes_back_unchanged_and_in_question_order() -> None:
    cleaned = answered(visits_since=3, activities_since=["visited"], lasting_difference="I came back.")
    assert list(cleaned) == [q.key for q in PROJECT.questions]
    assert cleaned == {
        **REQUIRED,
        "activities_since": ["visited"],
        "visits_since": 3,
        "lasting_difference": "I came back.",
    }


@pytest.mark.parametrize(("raw", "expected"), [(1, 1), (5, 5), ("3", 3), (" 4 ", 4), (2.0, 2), ("2.0", 2)])
def test_a_likert_answer_from_1_to_5_is_kept_as_a_whole_number(raw: object, expected: int) -> None:
    value = answered(wellbeing=raw)["wellbeing"]
    assert value == expected
    assert type(value) is int


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (True, "must be a number"),
        (False, "must be a number"),
        ("three", "must be a number"),
        ("nan", "must be a number"),
        (["3"], "must be a number"),
        (0, "choose a whole number from 1 to 5"),
        (6, "choose a whole number from 1 to 5"),
        ("6", "choose a whole number from 1 to 5"),
        (2.5, "choose a whole number from 1 to 5"),
    ],
)
def test_a_likert_answer_that_is_not_1_to_5_is_refused(raw: object, reason: str) -> None:
    assert refusal(wellbeing=raw) == ("wellbeing", reason)


def test_a_number_inside_its_range_is_kept_whole_when_it_can_be() -> None:
    assert answered(visits_since="0")["visits_since"] == 0
    assert answered(visits_since=1000)["visits_since"] == 1000
    assert answered(visits_since=" 12 ")["visits_since"] == 12
    assert answered(visits_since=2.5)["visits_since"] == 2.5


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (-1, "must be at least 0"),
        (1000.5, "must be at most 1000"),
        ("1001", "must be at most 1000"),
        ("lots", "must be a number"),
        ("inf", "must be a number"),
        (True, "must be a number"),
    ],
)
def test_a_number_outside_its_range_or_not_a_number_is_refused(raw: object, reason: str) -> None:
    assert refusal(visits_since=raw) == ("visits_since", reason)


def test_a_single_choice_must_be_one_of_its_keys() -> None:
    assert answered(contact_since="sometimes")["contact_since"] == "sometimes"
    expected = ("contact_since", "choose one of ['no', 'often', 'sometimes']")
    assert refusal(contact_since="Often") == expected
    assert refusal(contact_since=["often"]) == expected
    assert refusal(contact_since=1) == expected


def test_multiple_choices_collapse_duplicates_and_follow_the_questions_order() -> None:
    picked = ["shared_skills", "visited", "shared_skills", "visited"]
    assert answered(activities_since=picked)["activities_since"] == ["visited", "shared_skills"]
    assert answered(activities_since="volunteered")["activities_since"] == ["volunteered"]


@pytest.mark.parametrize("raw", [["visited", "gardening"], [1], {"visited": True}, 3])
def test_a_multiple_choice_with_an_unknown_key_or_shape_is_refused(raw: object) -> None:
    reason = "choose any of ['led_activity', 'shared_skills', 'visited', 'volunteered']"
    assert refusal(activities_since=raw) == ("activities_since", reason)


def test_text_is_trimmed_and_limited_to_its_length_after_trimming() -> None:
    assert answered(lasting_difference="  I lead tours now.\n")["lasting_difference"] == "I lead tours now."
    assert len(answered(lasting_difference=" " + "a" * 5000 + " ")["lasting_difference"]) == 5000
    assert refusal(lasting_difference="a" * 5001) == ("lasting_difference", "must be at most 5000 characters")
    assert refusal(lasting_difference=42) == ("lasting_difference", "must be text")


def test_a_whitespace_only_optional_text_is_left_out_like_an_empty_one() -> None:
    assert "lasting_difference" not in answered(lasting_difference="  \n ")


def test_a_whitespace_only_optional_number_is_left_out_like_an_empty_one() -> None:
    assert "visits_since" not in answered(visits_since="  ")


def test_a_whitespace_only_required_text_is_missing() -> None:
    required = PROJECT.model_copy(update={"questions": (PROJECT.questions[-1].model_copy(update={"required": True}),)})
    with pytest.raises(AnswerError) as raised:
        validate_answers(required, {"lasting_difference": " \t\n"})
    assert (raised.value.question, raised.value.reason) == ("lasting_difference", "an answer is required")


def test_optional_questions_may_be_left_out_or_empty() -> None:
    assert answered(activities_since=[], visits_since="", lasting_difference=None) == REQUIRED


@pytest.mark.parametrize("empty", [None, "", []])
def test_a_missing_required_answer_names_its_question(empty: object) -> None:
    assert refusal(confidence=empty) == ("confidence", "an answer is required")
    with pytest.raises(AnswerError) as raised:
        validate_answers(PROJECT, {})
    assert raised.value.question == "skills_gained"


def test_an_unknown_question_key_is_refused_before_anything_else() -> None:
    with pytest.raises(AnswerError) as raised:
        validate_answers(PROJECT, {"favourite_object": "the anchor"})
    assert (raised.value.question, raised.value.reason) == ("favourite_object", "this survey has no such question")


def question(**fields: object) -> dict[str, object]:
    return {"key": "q_one", "kind": "likert", "text": "Q?", "outcome": "confidence", **fields}


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "single_choice"},
        {"kind": "multiple_choice", "choices": []},
        {"choices": [{"key": "a", "label": "A"}]},
        {
            "kind": "single_choice",
            "choices": [{"key": "a", "label": "A"}],
            "translations": {"cy": {"text": "C?", "choices": {"b": "B"}}},
        },
        {"key": "Q1"},
        {"max_length": 20_001},
    ],
)
def test_a_malformed_question_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Question.model_validate(question(**fields))


def test_a_question_falls_back_to_its_own_words_without_a_translation() -> None:
    contact = next(q for q in PROJECT.questions if q.key == "contact_since")
    assert contact.words("fr").text == contact.text
    assert contact.words("fr").choices == {"often": "Yes, often", "sometimes": "Yes, sometimes", "no": "No"}
    assert contact.words("cy").choices["often"] == "Ydw, yn aml"
    assert PROJECT.text("fr").title == "How has the project stayed with you?"
    assert PROJECT.text("cy").title == "Sut mae'r prosiect wedi aros gyda chi?"
    assert (PROJECT.ref, PROJECT.languages) == ("community-project@1", ("en", "cy"))


def test_an_instrument_with_repeated_question_keys_is_refused() -> None:
    with pytest.raises(ValidationError, match="question keys must be unique"):
        SurveyInstrument.model_validate(
            {"name": "twice", "version": 1, "title": "T", "framework": "f", "questions": [question(), question()]}
        )


def test_an_instrument_measuring_an_outcome_its_framework_lacks_is_refused() -> None:
    framework = OutcomeFramework(name="small", version=1, title="S", outcomes=(Outcome(key="wellbeing", title="W"),))
    instrument = SurveyInstrument.model_validate(
        {"name": "mismatch", "version": 2, "title": "T", "framework": "small", "questions": [question()]}
    )
    with pytest.raises(ValueError, match=r"mismatch@2 maps questions to outcomes small lacks: \['confidence'\]"):
        instrument.check_outcomes(framework)
    assert framework.outcome("wellbeing") == Outcome(key="wellbeing", title="W")
    assert framework.outcome("confidence") is None

"""domain.instruments: the shipped instruments load, map onto their framework, speak Welsh, and a
broken catalogue is refused naming the file or instrument."""

from __future__ import annotations

import pytest

from domain.follow_up import DEFAULT_INSTRUMENT
from domain.instruments import InstrumentCatalog, InstrumentError, parse
from domain.surveys import Outcome, OutcomeFramework, QuestionKind, SurveyInstrument
from tests.domain.builders import CATALOG as TEMPLATES

SHIPPED = InstrumentCatalog.load_shipped()
REFS = [
    "community-project@1",
    "community-project@2",
    "knowledge-exchange-placement@1",
    "knowledge-exchange-placement@2",
]


def instrument(ref: str) -> SurveyInstrument:
    found = SHIPPED.get(ref)
    assert found is not None, ref
    return found


def test_the_shipped_catalogue_holds_both_instruments_on_the_community_impact_framework() -> None:
    assert [i.ref for i in SHIPPED.all()] == REFS
    assert list(SHIPPED.frameworks) == ["community-impact"]
    assert {SHIPPED.framework_of(i).name for i in SHIPPED.all()} == {"community-impact"}
    assert [o.key for o in SHIPPED.frameworks["community-impact"].outcomes] == [
        "skills_knowledge",
        "relationships",
        "museum_insight",
        "confidence",
        "wellbeing_participation",
        "sustained_collaboration",
    ]


def test_the_latest_ref_of_a_name_is_its_highest_version_and_unknown_names_have_none() -> None:
    assert SHIPPED.latest_ref("community-project") == "community-project@2"
    assert SHIPPED.latest_ref("knowledge-exchange-placement") == "knowledge-exchange-placement@2"
    assert SHIPPED.latest_ref("visitor-survey") is None
    assert SHIPPED.get("community-project@3") is None
    v3 = instrument("community-project@1").model_copy(update={"version": 3})
    both = InstrumentCatalog([instrument("community-project@1"), v3], SHIPPED.frameworks.values())
    assert both.latest_ref("community-project") == "community-project@3"


@pytest.mark.parametrize("ref", REFS)
def test_every_question_of_a_shipped_instrument_has_a_welsh_translation(ref: str) -> None:
    shipped = instrument(ref)
    assert shipped.languages == ("en", "cy")
    assert shipped.text("cy").title and shipped.text("cy").title != shipped.title
    for question in shipped.questions:
        welsh = question.translations.get("cy")
        assert welsh is not None, question.key
        assert welsh.text.strip() and welsh.text != question.text, question.key
        assert set(welsh.choices) == {c.key for c in question.choices}, question.key


def test_the_shipped_instruments_ask_every_kind_of_question() -> None:
    assert {q.kind for q in instrument("community-project@1").questions} == set(QuestionKind)
    kinds = [q.kind.value for q in instrument("knowledge-exchange-placement@1").questions]
    assert kinds == ["likert", "likert", "likert", "single_choice", "likert", "number", "text"]


def test_every_instrument_a_shipped_template_follows_up_with_is_in_the_catalogue() -> None:
    used = {tpl.follow_up.instrument for tpl in TEMPLATES.all_latest()}
    assert used <= set(REFS)
    assert DEFAULT_INSTRUMENT in REFS
    placement = TEMPLATES.latest("knowledge-exchange-placement")
    assert placement is not None
    assert placement.follow_up.instrument == "knowledge-exchange-placement@1"


def test_an_instrument_naming_an_unknown_framework_is_refused() -> None:
    with pytest.raises(InstrumentError, match=r"community-project@1: no outcome framework named 'community-impact'"):
        InstrumentCatalog([instrument("community-project@1")], [])


def test_an_instrument_measuring_outcomes_its_framework_lacks_is_refused() -> None:
    thin = OutcomeFramework(
        name="community-impact", version=1, title="Thin", outcomes=(Outcome(key="confidence", title="C"),)
    )
    with pytest.raises(InstrumentError, match=r"knowledge-exchange-placement@1 maps questions to outcomes") as raised:
        InstrumentCatalog([instrument("knowledge-exchange-placement@1")], [thin])
    assert "['museum_insight', 'relationships', 'skills_knowledge', 'sustained_collaboration']" in str(raised.value)


def test_an_instrument_defined_twice_is_refused() -> None:
    twice = [instrument("community-project@1"), instrument("community-project@1")]
    with pytest.raises(InstrumentError, match="community-project@1 is defined twice"):
        InstrumentCatalog(twice, SHIPPED.frameworks.values())


def test_a_file_that_is_not_json_is_refused_naming_the_file_and_line() -> None:
    with pytest.raises(InstrumentError, match=r"^broken\.v1\.json: not JSON \(Expecting value at line 2\)$"):
        parse(SurveyInstrument, "broken.v1.json", '{\n  "name": ,\n}')


def test_a_file_that_does_not_validate_is_refused_naming_the_file_and_each_field() -> None:
    text = '{"name": "x1", "version": 0, "title": "T", "framework": "f", "questions": [{"key": "a1", "kind": "scale"}]}'
    with pytest.raises(InstrumentError) as raised:
        parse(SurveyInstrument, "x1.v1.json", text)
    message = str(raised.value)
    assert message.startswith("x1.v1.json: version: ")
    assert "questions.0.kind: " in message
    assert "questions.0.outcome" not in message  # a question may measure no outcome (consent to quote)
    with pytest.raises(InstrumentError, match=r"^f\.framework\.v1\.json: \(root\): "):
        parse(OutcomeFramework, "f.framework.v1.json", "[]")


@pytest.mark.parametrize("name", ["community-project", "knowledge-exchange-placement"])
def test_version_2_asks_consent_to_quote_in_english_and_welsh_and_is_otherwise_version_1(name: str) -> None:
    v1, v2 = instrument(f"{name}@1"), instrument(f"{name}@2")
    assert [q.key for q in v2.questions] == [*(q.key for q in v1.questions), "quote_consent"]
    assert v2.questions[:-1] == v1.questions
    consent = v2.questions[-1]
    assert consent.kind is QuestionKind.SINGLE_CHOICE and not consent.required
    assert consent.outcome == ""  # evidence for no outcome: never counted in an outcome's figures
    assert consent.text == "May we quote what you wrote, without your name?"
    assert [(c.key, c.label) for c in consent.choices] == [("yes", "Yes"), ("no", "No")]
    welsh = consent.words("cy")
    assert welsh.text == "Gawn ni ddyfynnu'r hyn a ysgrifennoch, heb eich enw?"
    assert welsh.choices == {"yes": "Cewch", "no": "Na chewch"}

"""Case studies: one placement's story assembled from what was recorded, rendered to Markdown or HTML.

Sources, all already stored: the placement (dates, focus areas, the visitor's role), its project's
state (the live workflow, else the last snapshot: the agenda, the daily log, both reflections, the
costs), and its follow-up surveys (answers by wave, and the outcome means per wave through the
outcome framework, as api.follow_up.service computes them for any project).

Pseudonymous by construction: no names or e-mail addresses of applicants or respondents appear;
people are named by role ("partner staff", the visitor's job title). Reflections name who wrote them
by organisation (the partner's name, or "the museum"), never a key's label (issue 12). Rendering is Jinja2 with
StrictUndefined (a typo fails a test instead of leaving a blank); HTML is autoescaped, Markdown not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import jinja2
from fastapi import status
from sqlalchemy.ext.asyncio import AsyncSession

from api import live_state
from api.app_services import AppServices
from api.errors import ApiError, not_found
from api.exchange.dashboard import costs_of
from api.exchange.errors import NOT_A_CASE_STUDY, PLACEMENT_NOT_FOUND, PLACEMENT_NOT_STARTED
from api.follow_up.service import outcomes_over_time
from api.projects.views import stage_title
from domain.exchange import Direction
from domain.instruments import InstrumentCatalog
from domain.lifecycle import LifecycleTemplate, Party
from domain.state import ProjectState, SubmissionRecord
from domain.surveys import Question, QuestionKind, SurveyInstrument
from domain.templates import TemplateCatalog
from store.exchange import reads as exchange_reads
from store.partners import reads as partner_reads
from store.surveys import reads_reports as survey_reports
from store.surveys.reads_reports import ResponseRow, WaveSummary
from store.tables import ExchangeApplication, ExchangePlacement

TEMPLATES = Path(__file__).resolve().parent / "case_study_templates"
REFLECTIONS = ("partner_reflection", "museum_reflection")


@dataclass(frozen=True)
class Entry:
    title: str
    by: str
    submitted_at: datetime
    text: str
    links: list[str]


@dataclass(frozen=True)
class Cost:
    title: str
    amount: float


@dataclass(frozen=True)
class AnswerLine:
    question: str
    answer: str


@dataclass(frozen=True)
class Response:
    role: str
    submitted_at: datetime
    answers: list[AnswerLine]


@dataclass(frozen=True)
class Wave:
    offset: str
    status: str
    invited: int
    answered: int
    response_rate: float
    responses: list[Response] = field(default_factory=list)


@dataclass(frozen=True)
class OutcomeLine:
    title: str
    means: list[tuple[str, float | None, int]]  # (offset, Likert mean, responses)


@dataclass(frozen=True)
class CaseStudy:
    year: int
    placement_id: str
    title: str
    summary: str
    starts_on: date
    ends_on: date
    focus_areas: list[str]
    visitor_role: str
    stage: str
    agenda: list[Entry]
    daily_log: list[Entry]
    reflections: list[Entry]
    costs: list[Cost]
    total_cost: float
    waves: list[Wave]
    outcomes: list[OutcomeLine]
    generated_at: datetime


def _entries(state: ProjectState, key: str, partner_name: str) -> list[Entry]:
    milestone = state.milestone(key)
    if milestone is None:
        return []
    return [_entry(milestone.title, s, partner_name) for s in milestone.submissions]


def _entry(title: str, submission: SubmissionRecord, partner_name: str) -> Entry:
    by = partner_name if submission.actor.party is Party.PARTNER else "the museum"
    return Entry(title, by, submission.submitted_at, submission.summary, list(submission.links))


def _answer_text(question: Question, value: object) -> str:
    labels = {c.key: c.label for c in question.choices}
    if question.kind is QuestionKind.LIKERT and isinstance(value, int):
        return f"{value} of 5"
    if isinstance(value, list):
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    return labels.get(str(value), str(value))


def _responses(rows: list[ResponseRow], wave_index: int, instruments: InstrumentCatalog) -> list[Response]:
    found: list[Response] = []
    for row in (r for r in rows if r.wave_index == wave_index):
        instrument = instruments.get(row.instrument)
        questions = {q.key: q for q in instrument.questions} if instrument else {}
        lines = [
            AnswerLine(
                questions[k].text if k in questions else k, _answer_text(questions[k], v) if k in questions else str(v)
            )
            for k, v in row.answers.items()
        ]
        found.append(Response(row.role.replace("_", " "), row.submitted_at, lines))
    return found


def assemble(
    *,
    placement: ExchangePlacement,
    application: ExchangeApplication | None,
    partner_name: str,
    state: ProjectState,
    summaries: list[WaveSummary],
    rows: list[ResponseRow],
    instrument: SurveyInstrument,
    instruments: InstrumentCatalog,
    now: datetime,
    template: LifecycleTemplate | None = None,
) -> CaseStudy:
    """Everything the case study says about one placement, as plain values for the templates."""
    inbound = placement.direction == Direction.TO_MUSEUM.value
    title = (
        f"Knowledge Exchange {placement.year}: from {partner_name} to the museum"
        if inbound
        else f"Knowledge Exchange {placement.year}: from the museum to {partner_name}"
    )
    summary = (
        f"A colleague of {partner_name} spent five working days at the museum."
        if inbound
        else f"A museum colleague spent five working days with {partner_name}."
    )
    costs = [Cost(title, amount) for title, amount in costs_of(state)]
    reflections = [e for key in REFLECTIONS for e in _entries(state, key, partner_name)]
    outcomes = outcomes_over_time(rows, summaries, instrument, instruments)
    return CaseStudy(
        year=placement.year,
        placement_id=placement.id,
        title=title,
        summary=summary,
        starts_on=placement.starts_on,
        ends_on=placement.ends_on,
        focus_areas=list(placement.focus_areas),
        visitor_role=application.role if application is not None else "",
        stage=stage_title(template, state.stage),
        agenda=_entries(state, "agenda", partner_name),
        daily_log=_entries(state, "daily_log", partner_name),
        reflections=reflections,
        costs=costs,
        total_cost=round(sum(c.amount for c in costs), 2),
        waves=[
            Wave(
                s.offset,
                s.status,
                s.counts.invited,
                s.counts.answered,
                s.response_rate,
                _responses(rows, s.wave_index, instruments),
            )
            for s in summaries
        ],
        outcomes=[
            OutcomeLine(o.title, [(w.offset, w.likert_mean, w.responses) for w in o.waves])
            for o in outcomes.outcomes
            if any(w.responses for w in o.waves)
        ],
        generated_at=now,
    )


def instrument_for(state: ProjectState, templates: TemplateCatalog, instruments: InstrumentCatalog) -> SurveyInstrument:
    template = templates.get(state.template_name, state.template_version)
    ref = template.follow_up.instrument if template is not None else None
    instrument = instruments.get(ref) if ref is not None else None
    if instrument is None:  # a template naming an instrument that is not shipped is a packaging bug
        raise RuntimeError(f"project {state.project_id}: no survey instrument {ref!r}")
    return instrument


def _money(amount: float) -> str:
    return f"£{amount:,.2f}"


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["money"] = _money
    env.filters["day"] = lambda d: f"{d:%A} {d.day} {d:%B %Y}"
    env.filters["percent"] = lambda r: f"{r * 100:.0f}%"
    env.filters["mean"] = lambda m: "—" if m is None else f"{m:.2f}"
    return env


_MARKDOWN = _environment(autoescape=False)
_HTML = _environment(autoescape=True)


def render_markdown(study: CaseStudy) -> str:
    return _MARKDOWN.get_template("case_study.md.j2").render(s=study)


def render_html(study: CaseStudy) -> str:
    return _HTML.get_template("case_study.html.j2").render(s=study)


async def load(services: AppServices, session: AsyncSession, year: int, placement_id: str) -> CaseStudy:
    """The case study of a placement staff marked; ApiError 404 (unknown) or 409 (not marked, not started)."""
    placement = await exchange_reads.get_placement(session, year, placement_id)
    if placement is None:
        raise not_found(PLACEMENT_NOT_FOUND)
    if not placement.case_study:
        raise ApiError(status.HTTP_409_CONFLICT, NOT_A_CASE_STUDY, field="placement_id", reason=NOT_A_CASE_STUDY)
    state = await live_state.project_state(services.client, services.sessionmaker, placement.id)
    if state is None:
        raise ApiError(
            status.HTTP_409_CONFLICT, PLACEMENT_NOT_STARTED, field="placement_id", reason=PLACEMENT_NOT_STARTED
        )
    partner = await partner_reads.get_partner(session, placement.partner_id)
    return assemble(
        placement=placement,
        application=await exchange_reads.get_application(session, year, placement.application_id),
        partner_name=partner.name if partner is not None else placement.partner_id,
        state=state,
        summaries=await survey_reports.wave_report(session, placement.id),
        rows=await survey_reports.responses_for_csv(session, placement.id),
        instrument=instrument_for(state, services.catalog, services.instruments),
        instruments=services.instruments,
        now=datetime.now(UTC),
        template=services.catalog.get(state.template_name, state.template_version),
    )

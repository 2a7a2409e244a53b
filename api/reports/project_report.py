"""One project's impact report (issue 16): outputs, outcomes, quotes and case study, as one model.

The JSON route, the page and the PDF all show `project_report`'s result, so their figures agree.
Sources: the project's state (the live workflow, else the read model's last snapshot, flagged
`live: false`), its follow-up waves and answers, the outcome ratings (intention, partner, museum) and,
for a placement marked as one, its case study.

Outcomes: per outcome of the framework the project's survey instrument maps to, per wave, the
respondents (n) who gave at least one Likert answer (1-5) to that outcome's questions, by each
answer's own instrument version; the mean and the distribution are of those answers. A group of
1 to min_n - 1 respondents is suppressed (null figures, `suppressed: true`, the reason in words).
The participants' level beside intention, partner and museum is the mean of the latest wave with at
least min_n respondents on that outcome.

Quotes: text answers only of responses whose instrument asks consent (`quote_consent`, v2 on) and
that answered "yes"; attributed by the respondent's role, never by name. Answers to v1 (which never
asked) are never quoted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from api.app_services import AppServices
from api.exchange import case_study
from api.exchange.case_study import instrument_for
from api.live_state import read_project_state
from api.reports import project_outputs
from api.reports.project_schemas import (
    CaseStudyRef,
    OutcomeReport,
    Participants,
    ProjectReport,
    Quote,
    Reflection,
    WaveResponse,
)
from api.reports.schemas import WaveFigures, level_counts, too_few
from domain.impact import RatingSource, is_level
from domain.instruments import InstrumentCatalog
from domain.surveys import OutcomeFramework, QuestionKind
from store.exchange import reads as exchange_reads
from store.partners import reads as partner_reads
from store.reports import project_reads
from store.reports.ratings import ratings_of
from store.surveys import reads_reports as survey_reports
from store.surveys.reads_reports import ResponseRow, WaveSummary

CONSENT_QUESTION = "quote_consent"
CONSENT_YES = "yes"


async def project_report(services: AppServices, project_id: str, min_n: int, now: datetime) -> ProjectReport | None:
    """The report of `project_id`, or None when no such project is known (the caller answers 404)."""
    found = await read_project_state(services.client, services.sessionmaker, project_id)
    if found is None:
        return None
    state = found.state
    instrument = instrument_for(state, services.catalog, services.instruments)
    async with services.sessionmaker() as session:
        names = await partner_reads.partner_names(session, state.partner_ids)
        reached = await project_reads.respondents_registered(session, project_id)
        summaries = await survey_reports.wave_report(session, project_id)
        rows = await survey_reports.responses_for_csv(session, project_id)
        ratings = (await ratings_of(session, [project_id])).get(project_id, {})
        placement = await project_reads.case_study_placement(session, project_id)
        study = None
        if placement is not None:
            application = await exchange_reads.get_application(session, placement.year, placement.application_id)
            partner = await partner_reads.get_partner(session, placement.partner_id)
            study = case_study.assemble(
                placement=placement,
                application=application,
                partner_name=partner.name if partner is not None else placement.partner_id,
                state=state,
                summaries=summaries,
                rows=rows,
                instrument=instrument,
                instruments=services.instruments,
                now=now,
            )
    framework = services.instruments.framework_of(instrument)
    return ProjectReport(
        project_id=project_id,
        title=state.title,
        template=f"{state.template_name}@{state.template_version}",
        stage=state.stage.value,
        framework=framework.name,
        generated_at=now,
        live=found.live,
        min_n=min_n,
        outputs=project_outputs.outputs_of(state, names, reached, now),
        outcomes=outcomes_of(framework, ratings, summaries, rows, services.instruments, min_n),
        waves=[_wave_response(s) for s in summaries],
        quotes=quotes_of(rows, summaries, services.instruments),
        case_study=_case_study(study),
    )


def outcomes_of(
    framework: OutcomeFramework,
    ratings: Mapping[RatingSource, Mapping[str, int]],
    summaries: Sequence[WaveSummary],
    rows: Sequence[ResponseRow],
    instruments: InstrumentCatalog,
    min_n: int,
) -> list[OutcomeReport]:
    likert = _likert_outcomes(rows, instruments)
    offsets = {s.wave_index: s.offset for s in summaries}
    for row in rows:
        offsets.setdefault(row.wave_index, "")
    reports: list[OutcomeReport] = []
    for outcome in framework.outcomes:
        waves = [
            _wave_figures(index, offsets[index], outcome.key, [r for r in rows if r.wave_index == index], likert, min_n)
            for index in sorted(offsets)
        ]
        reports.append(
            OutcomeReport(
                key=outcome.key,
                title=outcome.title,
                intention=_level(ratings, "intention", outcome.key),
                partner=_level(ratings, "partner", outcome.key),
                museum=_level(ratings, "museum", outcome.key),
                participants=_participants(waves, min_n),
                waves=waves,
            )
        )
    return reports


def _likert_outcomes(rows: Sequence[ResponseRow], instruments: InstrumentCatalog) -> dict[tuple[str, str], str]:
    """(instrument ref, question key) -> outcome key, for the Likert questions of every instrument answered."""
    mapping: dict[tuple[str, str], str] = {}
    for ref in {r.instrument for r in rows}:
        instrument = instruments.get(ref)
        for question in instrument.questions if instrument is not None else ():
            if question.kind is QuestionKind.LIKERT and question.outcome:
                mapping[(ref, question.key)] = question.outcome
    return mapping


def _wave_figures(
    index: int,
    offset: str,
    outcome: str,
    rows: Sequence[ResponseRow],
    likert: Mapping[tuple[str, str], str],
    min_n: int,
) -> WaveFigures:
    values: list[int] = []
    n = 0
    for row in rows:
        mine = [v for key, v in row.answers.items() if likert.get((row.instrument, key)) == outcome and is_level(v)]
        n += bool(mine)
        values.extend(mine)
    if 0 < n < min_n:
        return WaveFigures(
            index=index, offset=offset, n=n, answers=len(values), mean=None, distribution=None,
            suppressed=True, reason=too_few(min_n),
        )  # fmt: skip
    return WaveFigures(
        index=index,
        offset=offset,
        n=n,
        answers=len(values),
        mean=round(sum(values) / len(values), 2) if values else None,
        distribution=level_counts(values) if values else None,
        suppressed=False,
    )


def _participants(waves: Sequence[WaveFigures], min_n: int) -> Participants:
    """The latest wave with at least min_n respondents on the outcome; else nothing shown, and why."""
    for wave in reversed(waves):
        if wave.n >= min_n and wave.mean is not None:
            return Participants(mean=wave.mean, n=wave.n, wave_index=wave.index, offset=wave.offset, suppressed=False)
    withheld = any(w.suppressed for w in waves)
    return Participants(mean=None, n=0, suppressed=withheld, reason=too_few(min_n) if withheld else None)


def _level(ratings: Mapping[RatingSource, Mapping[str, int]], source: RatingSource, outcome: str) -> int | None:
    return ratings.get(source, {}).get(outcome)


def quotes_of(
    rows: Sequence[ResponseRow], summaries: Sequence[WaveSummary], instruments: InstrumentCatalog
) -> list[Quote]:
    """Text answers of the respondents who said yes to being quoted, by role; in wave then answer order."""
    offsets = {s.wave_index: s.offset for s in summaries}
    quotes: list[Quote] = []
    for row in rows:
        instrument = instruments.get(row.instrument)
        if instrument is None or CONSENT_QUESTION not in {q.key for q in instrument.questions}:
            continue  # this version never asked: no consent, no quote
        if row.answers.get(CONSENT_QUESTION) != CONSENT_YES:
            continue
        for question in instrument.questions:
            said = row.answers.get(question.key)
            if question.kind is QuestionKind.TEXT and isinstance(said, str) and said.strip():
                quotes.append(
                    Quote(
                        wave_index=row.wave_index,
                        offset=offsets.get(row.wave_index, ""),
                        role=row.role.replace("_", " "),
                        question=question.text,
                        text=said.strip(),
                    )
                )
    return quotes


def _wave_response(summary: WaveSummary) -> WaveResponse:
    return WaveResponse(
        index=summary.wave_index,
        offset=summary.offset,
        status=summary.status,
        instrument=summary.instrument,
        invited=summary.counts.invited,
        answered=summary.counts.answered,
        response_rate=summary.counts.response_rate,
    )


def _case_study(study: case_study.CaseStudy | None) -> CaseStudyRef | None:
    if study is None:
        return None
    return CaseStudyRef(
        year=study.year,
        placement_id=study.placement_id,
        url=f"/exchange/{study.year}/placements/{study.placement_id}/case-study",
        title=study.title,
        summary=study.summary,
        starts_on=study.starts_on,
        ends_on=study.ends_on,
        focus_areas=study.focus_areas,
        visitor_role=study.visitor_role,
        reflections=[Reflection(title=e.title, by=e.by, text=e.text) for e in study.reflections],
    )

"""The respondent's survey pages: `/s/{token}` (form), thank-you, refusals, and `/s/{token}/opt-out`.

Server-rendered and usable without JavaScript, on the same code path as the JSON API
(api.follow_up.surveys). The personal link is the only credential: no session cookie is set or
read. Each form carries a per-link CSRF value (an HMAC of the token under the session secret), so
a form posted from elsewhere without it does nothing. Pages are in the respondent's language
(`<html lang>`, a switcher to the instrument's other languages), never cached, never indexed, and
send no Referer (the token is in the URL). Refusals are polite pages with the status the JSON API
uses: 404 unknown link, 409 already answered, 410 closed, expired or opted out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.datastructures import FormData

from api.access import page_access
from api.deps import InstrumentsDep, SessionDep, TemporalDep
from api.errors import ApiError
from api.follow_up import surveys as service
from api.follow_up.page_words import LANGUAGE_NAMES, WORDS, answer_problem, long_date, words
from api.pages.web import SECURITY_HEADERS, pages_of
from domain.respondents import TokenProblem
from domain.surveys import QuestionKind, SurveyInstrument
from store.surveys.reads import ResolvedToken, TokenRefusal

#: Every survey page: the single-use token in the path is the credential (`api.access`).
router = APIRouter(include_in_schema=False, dependencies=[page_access("survey_token")])

SURVEY_HEADERS = {**SECURITY_HEADERS, "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}
LangQuery = Annotated[str | None, Query(max_length=16)]

#: Which message page answers each refusal, and with which status (as the JSON API does).
REFUSAL_PAGES: dict[TokenProblem, tuple[str, int]] = {
    TokenProblem.UNKNOWN: ("unknown", status.HTTP_404_NOT_FOUND),
    TokenProblem.EXPIRED: ("closed", status.HTTP_410_GONE),
    TokenProblem.CLOSED: ("closed", status.HTTP_410_GONE),
    TokenProblem.ANSWERED: ("answered", status.HTTP_409_CONFLICT),
    TokenProblem.OPTED_OUT: ("opted_out", status.HTTP_410_GONE),
}
_OUTAGES = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
_CHOICE_KINDS = (QuestionKind.LIKERT, QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
_UNPROCESSABLE = status.HTTP_422_UNPROCESSABLE_CONTENT


def _binding(token: str) -> str:
    return f"survey|{token}"


def _page_language(*preferences: str | None) -> str:
    """The first preference the pages have words for, else English."""
    return next((p.lower() for p in preferences if p and p.lower() in WORDS), "en")


def _render(request: Request, template: str, language: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context = {"languages": [], "errors": {}, **context}
    html = pages_of(request).env.get_template(template).render(lang=language, t=words(language), **context)
    return HTMLResponse(html, status_code=status_code, headers=SURVEY_HEADERS)


def _message(
    request: Request, language: str, kind: str, status_code: int, *, links: Iterable[tuple[str, str]] = ()
) -> HTMLResponse:
    t = words(language)
    return _render(
        request,
        "survey_message.html",
        language,
        status_code,
        title=t[f"{kind}_title"],
        paragraphs=[t[f"{kind}_body"]],
        links=[{"href": href, "text": text} for href, text in links],
    )


def _refusal_page(request: Request, token: str, refusal: TokenRefusal, lang: str | None) -> HTMLResponse:
    kind, status_code = REFUSAL_PAGES[refusal.problem]
    language = _page_language(lang, refusal.respondent.language if refusal.respondent else None)
    links: list[tuple[str, str]] = []
    if refusal.problem in (TokenProblem.ANSWERED, TokenProblem.CLOSED, TokenProblem.EXPIRED):
        # People opt out from old e-mails too: the link still works for that.
        links.append((_href(token, "/opt-out", language), words(language)["opt_out_link"]))
    return _message(request, language, kind, status_code, links=links)


def _href(token: str, suffix: str = "", language: str | None = None) -> str:
    query = f"?lang={quote(language)}" if language else ""
    return f"/s/{quote(token)}{suffix}{query}"


def _switcher(instrument: SurveyInstrument, current: str, href: Callable[[str], str]) -> list[dict[str, Any]]:
    return [
        {"code": code, "name": LANGUAGE_NAMES.get(code, code), "href": href(code), "current": code == current}
        for code in instrument.languages
    ]


def _first_input(key: str, kind: QuestionKind) -> str:
    return f"q-{key}-1" if kind in _CHOICE_KINDS else f"q-{key}"


def _form_page(
    request: Request,
    token: str,
    opened: service.OpenSurvey,
    *,
    values: dict[str, object] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> HTMLResponse:
    survey = opened.public()
    language = opened.language
    return _render(
        request,
        "survey_form.html",
        language,
        status_code,
        survey=survey,
        questions=survey.questions,
        first_input={q.key: _first_input(q.key, q.kind) for q in survey.questions},
        values=values or {},
        errors=errors or {},
        closes=long_date(opened.resolved.wave.closes_at, opened.timezone, language),
        csrf=pages_of(request).signer.csrf_token(_binding(token)),
        action=_href(token),
        opt_out_href=_href(token, "/opt-out", language),
        languages=_switcher(opened.instrument, language, lambda code: _href(token, "", code)),
    )


def _answers_from(form: FormData, instrument: SurveyInstrument) -> dict[str, object]:
    """The form's answers by question key, as validate_answers reads them (an empty input is no answer)."""
    answers: dict[str, object] = {}
    for q in instrument.questions:
        if q.kind is QuestionKind.MULTIPLE_CHOICE:
            answers[q.key] = [v for v in form.getlist(q.key) if isinstance(v, str)]
        else:
            value = form.get(q.key)
            answers[q.key] = value if isinstance(value, str) else None
    return answers


def _csrf_ok(request: Request, token: str, form: FormData) -> bool:
    submitted = form.get("csrf")
    return pages_of(request).signer.csrf_ok(_binding(token), submitted if isinstance(submitted, str) else None)


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) and value else None


@router.get("/s/{token}")
async def survey_page(
    token: str, request: Request, session: SessionDep, instruments: InstrumentsDep, lang: LangQuery = None
) -> Response:
    try:
        opened = await service.open_survey(session, instruments, token, lang)
    except _OUTAGES:
        return _message(request, _page_language(lang), "unavailable", status.HTTP_503_SERVICE_UNAVAILABLE)
    if isinstance(opened, TokenRefusal):
        return _refusal_page(request, token, opened, lang)
    return _form_page(request, token, opened)


@router.post("/s/{token}")
async def submit_survey_page(
    token: str, request: Request, session: SessionDep, client: TemporalDep, instruments: InstrumentsDep
) -> Response:
    form = await request.form(max_files=0, max_fields=400)
    lang = _text(form, "lang")
    if not _csrf_ok(request, token, form):
        return _message(request, _page_language(lang), "expired", status.HTTP_403_FORBIDDEN)
    try:
        resolved = await service.resolve(session, token, datetime.now(UTC))
        if isinstance(resolved, TokenRefusal):
            return _refusal_page(request, token, resolved, lang)
        instrument = service.instrument_of(instruments, resolved.wave.instrument)
        answers = _answers_from(form, instrument)
        found = service.problems(instrument, answers)
        if found:
            opened = await service.survey_view(session, resolved, instrument, lang)
            shown_in = service.choose_language(instrument, lang, resolved.respondent.language)
            errors = {key: answer_problem(e.code, e.limit, shown_in) for key, e in found.items()}
            return _form_page(request, token, opened, values=answers, errors=errors, status_code=_UNPROCESSABLE)
        language = service.choose_language(instrument, lang, resolved.respondent.language)
        await service.save_answers(session, client, token, resolved, instrument, answers, language)
    except _OUTAGES:
        return _message(request, _page_language(lang), "unavailable", status.HTTP_503_SERVICE_UNAVAILABLE)
    except ApiError as error:
        if error.status_code == _UNPROCESSABLE and isinstance(resolved, ResolvedToken):
            opened = await service.survey_view(session, resolved, instrument, lang)
            fields = {error.field or "form": error.reason or error.detail}
            return _form_page(request, token, opened, values=answers, errors=fields, status_code=_UNPROCESSABLE)
        # The link changed state since it was resolved above (closed, answered in another tab).
        known = {p.value for p in TokenProblem}
        problem = TokenProblem(error.reason) if error.reason in known else TokenProblem.UNKNOWN
        return _refusal_page(request, token, TokenRefusal(problem), lang)
    # 👉 Post/Redirect/Get: reloading the thank-you page never posts the answers again.
    return RedirectResponse(
        _href(token, "/thanks", language), status_code=status.HTTP_303_SEE_OTHER, headers=SURVEY_HEADERS
    )


@router.get("/s/{token}/thanks")
async def survey_thanks_page(token: str, request: Request, session: SessionDep, lang: LangQuery = None) -> Response:
    found = await service.known_token(session, token)
    if isinstance(found, ResolvedToken):  # not answered yet: back to the form
        return RedirectResponse(_href(token, "", lang), status_code=status.HTTP_303_SEE_OTHER, headers=SURVEY_HEADERS)
    if found.problem is not TokenProblem.ANSWERED:
        return _refusal_page(request, token, found, lang)
    language = _page_language(lang, found.respondent.language if found.respondent else None)
    return _message(request, language, "thanks", status.HTTP_200_OK)


@router.get("/s/{token}/opt-out")
async def opt_out_page(token: str, request: Request, session: SessionDep, lang: LangQuery = None) -> Response:
    found = await service.known_token(session, token)
    if isinstance(found, TokenRefusal) and found.problem is TokenProblem.UNKNOWN:
        return _refusal_page(request, token, found, lang)
    respondent = found.respondent
    language = _page_language(lang, respondent.language if respondent else None)
    return _render(
        request,
        "survey_opt_out.html",
        language,
        csrf=pages_of(request).signer.csrf_token(_binding(token)),
        action=_href(token, "/opt-out"),
        back_href=_href(token, "", language),
        languages=[
            {"code": code, "name": name, "href": _href(token, "/opt-out", code), "current": code == language}
            for code, name in LANGUAGE_NAMES.items()
        ],
    )


@router.post("/s/{token}/opt-out")
async def opt_out_submit_page(token: str, request: Request, session: SessionDep, client: TemporalDep) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    language = _page_language(_text(form, "lang"))
    if not _csrf_ok(request, token, form):
        return _message(request, language, "expired", status.HTTP_403_FORBIDDEN)
    everywhere = form.get("everywhere") == "yes"
    try:
        done = await service.opt_out(session, client, token, everywhere=everywhere)
    except _OUTAGES:
        return _message(request, language, "unavailable", status.HTTP_503_SERVICE_UNAVAILABLE)
    if isinstance(done, TokenRefusal):
        return _refusal_page(request, token, done, language)
    t = words(language)
    paragraphs = [t["opted_out_confirm_body"]] + ([t["opted_out_confirm_everywhere"]] if everywhere else [])
    return _render(
        request,
        "survey_message.html",
        language,
        title=t["opted_out_confirm_title"],
        paragraphs=paragraphs,
        links=[],
    )

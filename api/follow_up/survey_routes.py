"""The respondent's survey as JSON, authenticated by the personal link's token alone (no API key).

404: no such link. 409: already answered with it (the first answer is kept). 410: the survey has
closed, the link has expired, or the respondent opted out. An accepted answer is committed before
the 201; see api.follow_up.surveys for why it is a database write plus a signal, not an Update.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, status

from api.access import access
from api.deps import InstrumentsDep, SessionDep, TemporalDep
from api.errors import error_responses
from api.follow_up import surveys as service
from api.follow_up.schemas import AnswerAccepted, AnswersCreate, OptOutCreate, OptOutPublic, SurveyPublic
from store.surveys.reads import TokenRefusal

router = APIRouter(prefix="/api/v1/surveys", tags=["surveys"])

Token = Annotated[str, "the token of a personal survey link (/s/{token})"]
LangQuery = Annotated[str | None, Query(max_length=16, description="Show the survey in this language if offered.")]


@router.get("/{token}", responses=error_responses(404, 409, 410), dependencies=[access("survey_token")])
async def read_survey(
    token: Token, session: SessionDep, instruments: InstrumentsDep, lang: LangQuery = None
) -> SurveyPublic:
    """The survey behind a personal link, in the respondent's language (or `?lang=`)."""
    opened = await service.open_survey(session, instruments, token, lang)
    if isinstance(opened, TokenRefusal):
        raise service.refusal_error(opened)
    return opened.public()


@router.post(
    "/{token}/responses",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(404, 409, 410, 422),
    dependencies=[access("survey_token")],
)
async def submit_survey_response(
    token: Token,
    body: AnswersCreate,
    session: SessionDep,
    client: TemporalDep,
    instruments: InstrumentsDep,
) -> AnswerAccepted:
    """Answer the survey once; a second answer with the same link is refused (409)."""
    return await service.submit_answers(session, client, instruments, token, dict(body.answers), body.language)


@router.post("/{token}/opt-out", responses=error_responses(404, 422), dependencies=[access("survey_token")])
async def opt_out_of_surveys(
    token: Token,
    session: SessionDep,
    client: TemporalDep,
    body: Annotated[OptOutCreate | None, Body()] = None,
) -> OptOutPublic:
    """Stop this project's surveys for this person (`everywhere`: every survey from the museum)."""
    everywhere = body.everywhere if body is not None else False
    done = await service.opt_out(session, client, token, everywhere=everywhere)
    if isinstance(done, TokenRefusal):
        raise service.refusal_error(done)
    return OptOutPublic(everywhere=everywhere)

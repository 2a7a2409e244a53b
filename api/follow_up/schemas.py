"""Request and response schemas of the follow-up survey routes (staff reports and the respondent's side).

Kept apart from api.schemas, which is about projects. Field limits match the store's floor
(store.surveys), so a request that passes here is never refused by the store later. Extra fields
are refused. Survey tokens never appear in any response: staff see respondents, never their links.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints, model_validator

from api.schemas import FollowUpSchedule, Moment, Request
from domain.follow_up import WaveStatus
from domain.surveys import QuestionKind

#: What a respondent is to the project. The same values as domain.respondents.RESPONDENT_ROLES
#: (a test keeps them equal).
RespondentRole = Literal["partner_staff", "participant", "museum_staff"]
#: The store's e-mail rule (stricter than api.schemas.EMAIL_PATTERN: no trailing dot).
RESPONDENT_EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s.]+$"
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$"

QuestionKey = Annotated[str, StringConstraints(min_length=1, max_length=64)]


# -- respondents (staff) -----------------------------------------------------------------------


class RespondentCreate(Request):
    name: str = Field(min_length=1, max_length=200, description="The respondent's name, as the invitation greets them.")
    email: str = Field(
        min_length=3, max_length=320, pattern=RESPONDENT_EMAIL_PATTERN, description="Where survey invitations go."
    )
    language: str = Field(
        default="en",
        pattern=LANGUAGE_PATTERN,
        max_length=16,
        description="A language the project's survey instrument offers (e.g. en, cy).",
    )
    role: RespondentRole = Field(description="How they took part: participant, partner_staff or museum_staff.")


class RespondentPublic(BaseModel):
    """A respondent as staff see them. Their survey links are never shown: only the e-mails carry them."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    email: str
    language: str
    role: str
    created_at: datetime
    opted_out_at: datetime | None
    bounced_at: datetime | None


class ImportedRow(BaseModel):
    row: int = Field(description="The record's number in the file, counting the header as row 1.")
    status: Literal["added", "refused"]
    field: str | None = None
    reason: str | None = None
    respondent_id: str | None = None


class RespondentImport(BaseModel):
    """What became of each row of an uploaded CSV; nothing refused stops the rows after it."""

    added: int
    refused: int
    rows: list[ImportedRow]


# -- the follow-up report and schedule (staff) --------------------------------------------------


class WavePublic(BaseModel):
    index: int
    offset: str
    due_at: datetime
    reminders_at: list[datetime]
    closes_at: datetime
    status: WaveStatus
    opened_at: datetime | None
    closed_at: datetime | None
    invited: int
    reminded: int
    answered: int
    opted_out: int
    bounced: int
    deferred: int
    response_rate: float = Field(description="answered / invited, 0 when nobody was invited yet.")


class FollowUpPublic(BaseModel):
    """A project's follow-up surveys. Before follow-up starts: `started` false, the `schedule` its
    waves will use, and no `waves`. Afterwards, every wave with its dates (from FollowUpWorkflow)
    and its counts (from the database)."""

    started: bool
    finished: bool = False
    schedule: list[str] = Field(description="The waves' offsets (ISO 8601 durations) from the project's end.")
    anchor_at: datetime | None = Field(default=None, description="The project's end, which offsets count from.")
    timezone: str | None = None
    instrument: str | None = None
    waves: list[WavePublic]
    live: bool = Field(
        default=True,
        description="False when FollowUpWorkflow could not answer (it is stuck: its tasks keep failing): the "
        "waves are then the database's record only (no reminders), and a schedule change is answered 503 `stuck`.",
    )
    live_reason: str | None = Field(default=None, description="Why the plan is not live, in a person's words.")


class FollowUpScheduleUpdate(Request):
    """New offsets for the waves not yet sent, and/or a moved project end date (`anchor_at`)."""

    offsets: FollowUpSchedule | None = Field(
        default=None, min_length=1, max_length=24, description="ISO 8601 durations after the end, strictly increasing."
    )
    anchor_at: Moment | None = Field(
        default=None, description="A new end date the waves count from; without an offset, in the project's zone."
    )

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if self.offsets is None and self.anchor_at is None:
            raise ValueError("give new offsets, a new end date (anchor_at), or both")
        return self


class OutcomeWave(BaseModel):
    index: int
    offset: str
    responses: int = Field(description="Responses of the wave that answered at least one question of this outcome.")
    likert_answers: int = Field(description="Likert answers (1-5) to this outcome's questions.")
    likert_mean: float | None = Field(description="Their mean; null without any.")


class OutcomePublic(BaseModel):
    key: str
    title: str
    description: str
    indicators: list[str]
    questions: list[str] = Field(description="Question keys of the instrument mapped to this outcome.")
    waves: list[OutcomeWave]


class OutcomesPublic(BaseModel):
    """The theory-of-change view: per outcome of the framework, per wave, how people answered."""

    instrument: str
    framework: str
    outcomes: list[OutcomePublic]


# -- the respondent's side ---------------------------------------------------------------------


class ChoicePublic(BaseModel):
    key: str
    label: str


class ScalePoint(BaseModel):
    value: int
    label: str


class QuestionPublic(BaseModel):
    key: str
    kind: QuestionKind
    text: str
    help: str
    required: bool
    choices: list[ChoicePublic] = Field(description="For single and multiple choice: answer with the keys.")
    scale: list[ScalePoint] = Field(description="For Likert questions: answer with the value, 1 to 5.")
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = Field(default=None, description="For free text.")


class SurveyWavePublic(BaseModel):
    index: int
    offset: str
    closes_at: datetime


class SurveyPublic(BaseModel):
    """One respondent's survey, in `language` (one of `languages`; `?lang=` chooses)."""

    instrument: str
    title: str
    introduction: str
    language: str
    languages: list[str]
    project_title: str
    wave: SurveyWavePublic
    questions: list[QuestionPublic]


class AnswersCreate(Request):
    answers: dict[QuestionKey, JsonValue] = Field(
        max_length=200,
        description="By question key: Likert 1-5, a choice key, a list of choice keys, a number, or text.",
    )
    language: str | None = Field(
        default=None, pattern=LANGUAGE_PATTERN, max_length=16, description="The language the survey was shown in."
    )


class AnswerAccepted(BaseModel):
    wave_index: int
    submitted_at: datetime
    message: str = "Thank you: your answers are saved."


class OptOutCreate(Request):
    everywhere: bool = Field(default=False, description="Also stop every survey from the museum, for any project.")


class OptOutPublic(BaseModel):
    opted_out: bool = True
    everywhere: bool

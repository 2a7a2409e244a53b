"""Survey e-mail texts: `survey_invitation.txt` / `survey_reminder.txt` in the respondent's language.

A language's templates live in `email_templates/<language>/` (Welsh: `cy/`); a language without
them falls back to the English ones at the top level. The instrument's title comes in the same
language when the instrument translates it. The closing time is shown in the project's time zone,
with Welsh day and month names in Welsh e-mails (the system locale is never consulted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from jinja2 import Environment

from activities.rendering import TEMPLATES, TemplateRenderer, format_when, project_zone
from domain.calendar_words import MONTHS, WEEKDAYS
from domain.instruments import InstrumentCatalog
from store.outbox import RenderedEmail
from store.surveys.writes_wave_mail import SurveyEmailContext

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


def format_when_in(moment: datetime, zone: tzinfo, language: str) -> str:
    """`format_when` in `language`: Welsh names for 'cy', English otherwise."""
    if language != "cy":
        return format_when(moment, zone)
    local = moment.astimezone(zone)
    day, month = WEEKDAYS["cy"][local.weekday()], MONTHS["cy"][local.month - 1]
    return f"{day} {local.day} {month} {local.year} am {local:%H:%M} {local.tzname() or ''}".rstrip()


@dataclass(frozen=True)
class SurveyTemplateRenderer:
    """A `SurveyRenderer` (store.surveys.writes_wave_mail) over the shipped templates and instruments."""

    environment: Environment
    catalog: InstrumentCatalog

    @classmethod
    def create(cls, catalog: InstrumentCatalog, folder: Path = TEMPLATES) -> SurveyTemplateRenderer:
        return cls(environment=TemplateRenderer.create("", folder).environment, catalog=catalog)

    def __call__(self, context: SurveyEmailContext) -> RenderedEmail:
        language = context.language.strip().lower()
        name = f"survey_{context.kind}.txt"
        # The language is checked before it becomes part of a template path.
        names = [f"{language}/{name}", name] if _LANGUAGE.match(language) and language != "en" else [name]
        template = self.environment.select_template(names)
        instrument = self.catalog.get(context.instrument)
        text = template.render(
            recipient_name=context.recipient_name,
            project_title=context.project_title,
            survey_title=instrument.text(language).title if instrument else "follow-up survey",
            closes=format_when_in(context.closes_at, project_zone(context.timezone), language),
            link=context.link,
            opt_out_link=context.opt_out_link,
            round=context.round,
        )
        first, _, rest = text.partition("\n")
        if not first.startswith("Subject:"):
            raise ValueError(f"e-mail template {template.name!r} must start with a 'Subject:' line")
        return RenderedEmail(subject=" ".join(first.removeprefix("Subject:").split()), body=rest.strip("\n") + "\n")

"""The survey pages' own words (buttons, headings, messages) in each language the instruments offer.

The questions come translated from the instrument; these are the page around them. A language
without an entry here falls back to English, word by word. Validation reasons from
domain.surveys.validate_answers are English for the JSON API; the page says them in the respondent's
language and in plain words (`answer_problem`, by the error's code).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.calendar_words import MONTHS

#: Each language's name in that language, for the switcher.
LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg"}

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "site": "Museum follow-up survey",
        "skip": "Skip to the survey",
        "languages": "Languages",
        "open_until": "Open until {date}.",
        "about_project": "About the project: {title}.",
        "optional": "(optional)",
        "required": "(required)",
        "send": "Send my answers",
        "problem": "There is a problem",
        "problem_intro": "Some answers need another look:",
        "error": "Error:",
        "choose_one": "Choose one.",
        "choose_any": "Choose any that apply.",
        "number_hint": "A number.",
        "opt_out_link": "Do not want these surveys? Opt out.",
        "thanks_title": "Thank you",
        "thanks_body": "Your answers are saved. They help the museum learn what lasts from its projects.",
        "answered_title": "You have already answered",
        "answered_body": "This survey has been answered with this link, and we keep the first answers. Thank you.",
        "closed_title": "This survey has closed",
        "closed_body": "Thank you for following the link. This survey is no longer taking answers. "
        "If there is another survey for you later, we will send you a new link.",
        "opted_out_title": "You have opted out",
        "opted_out_body": "You asked us not to send these surveys, so this link no longer takes answers.",
        "unknown_title": "We cannot find this survey",
        "unknown_body": "This link is not one we know. Please check that you copied the whole link from the e-mail.",
        "expired_title": "Please try again",
        "expired_body": "This form was out of date, so nothing was saved. Go back, reload the page and send it again.",
        "unavailable_title": "Please try again shortly",
        "unavailable_body": "We could not save this just now. Nothing was lost: please try again in a minute.",
        "opt_out_title": "Stop these surveys",
        "opt_out_intro": "We will not send you any more surveys about this project.",
        "opt_out_everywhere": "Also stop all surveys from the museum, about any project",
        "opt_out_button": "Stop the surveys",
        "opt_out_back": "Back to the survey",
        "opted_out_confirm_title": "You will not get these surveys any more",
        "opted_out_confirm_body": "We have stopped the surveys about this project for you.",
        "opted_out_confirm_everywhere": "We have stopped every survey from the museum for you.",
    },
    "cy": {
        "site": "Arolwg dilynol yr amgueddfa",
        "skip": "Neidio i'r arolwg",
        "languages": "Ieithoedd",
        "open_until": "Ar agor tan {date}.",
        "about_project": "Am y prosiect: {title}.",
        "optional": "(dewisol)",
        "required": "(gofynnol)",
        "send": "Anfon fy atebion",
        "problem": "Mae problem",
        "problem_intro": "Mae angen edrych eto ar rai atebion:",
        "error": "Gwall:",
        "choose_one": "Dewiswch un.",
        "choose_any": "Dewiswch unrhyw rai sy'n berthnasol.",
        "number_hint": "Rhif.",
        "opt_out_link": "Ddim eisiau'r arolygon hyn? Optio allan.",
        "thanks_title": "Diolch",
        "thanks_body": "Mae eich atebion wedi'u cadw. Maen nhw'n helpu'r amgueddfa i ddysgu beth sy'n para.",
        "answered_title": "Rydych eisoes wedi ateb",
        "answered_body": "Mae'r arolwg hwn wedi'i ateb gyda'r ddolen hon, ac rydym yn cadw'r atebion cyntaf. Diolch.",
        "closed_title": "Mae'r arolwg hwn wedi cau",
        "closed_body": "Diolch am ddilyn y ddolen. Nid yw'r arolwg hwn yn derbyn atebion mwyach.",
        "opted_out_title": "Rydych wedi optio allan",
        "opted_out_body": "Gofynnoch i ni beidio ag anfon yr arolygon hyn, "
        "felly nid yw'r ddolen hon yn derbyn atebion.",
        "unknown_title": "Ni allwn ddod o hyd i'r arolwg hwn",
        "unknown_body": "Nid ydym yn adnabod y ddolen hon. Gwiriwch eich bod wedi copïo'r ddolen gyfan o'r e-bost.",
        "opt_out_title": "Atal yr arolygon hyn",
        "opt_out_intro": "Ni fyddwn yn anfon rhagor o arolygon atoch am y prosiect hwn.",
        "opt_out_everywhere": "Atal pob arolwg gan yr amgueddfa hefyd, am unrhyw brosiect",
        "opt_out_button": "Atal yr arolygon",
        "opt_out_back": "Yn ôl i'r arolwg",
        "opted_out_confirm_title": "Ni fyddwch yn cael yr arolygon hyn mwyach",
        "opted_out_confirm_body": "Rydym wedi atal yr arolygon am y prosiect hwn i chi.",
        "opted_out_confirm_everywhere": "Rydym wedi atal pob arolwg gan yr amgueddfa i chi.",
    },
}


#: A refused answer, by `AnswerError.code`, in words for the respondent.
ANSWER_PROBLEMS: dict[str, dict[str, str]] = {
    "en": {
        "required": "Please answer this question",
        "likert": "Choose one of the five answers",
        "min": "Give a number of at least {limit}",
        "max": "Give a number no bigger than {limit}",
        "choose_one": "Choose one of the answers given",
        "choose_any": "Choose from the answers given",
        "text": "Write your answer in the box",
        "too_long": "Keep your answer to {limit} characters or fewer",
        "number": "Give a number, in figures",
        "unknown": "This question is not part of the survey",
        "invalid": "Check this answer",
    },
    "cy": {
        "required": "Atebwch y cwestiwn hwn, os gwelwch yn dda",
        "likert": "Dewiswch un o'r pum ateb",
        "min": "Rhowch rif o {limit} o leiaf",
        "max": "Rhowch rif nad yw'n fwy na {limit}",
        "choose_one": "Dewiswch un o'r atebion a roddir",
        "choose_any": "Dewiswch o blith yr atebion a roddir",
        "text": "Ysgrifennwch eich ateb yn y blwch",
        "too_long": "Cadwch eich ateb i {limit} nod neu lai",
        "number": "Rhowch rif, mewn ffigurau",
        "unknown": "Nid yw'r cwestiwn hwn yn rhan o'r arolwg",
        "invalid": "Gwiriwch yr ateb hwn",
    },
}


def answer_problem(code: str, limit: float | None, language: str) -> str:
    """What is wrong with an answer, in `language` (English where a word is missing)."""
    table = ANSWER_PROBLEMS.get(language, {})
    template = table.get(code) or ANSWER_PROBLEMS["en"].get(code) or ANSWER_PROBLEMS["en"]["invalid"]
    shown = f"{limit:g}" if limit is not None else ""
    return template.format(limit=shown)


def words(language: str) -> dict[str, str]:
    """The page's words in `language`, each missing one in English."""
    return {**WORDS["en"], **WORDS.get(language, {})}


def long_date(moment: datetime, timezone: str, language: str) -> str:
    """`21 December 2026` in the project's time zone, with the month named in `language`."""
    try:
        local = moment.astimezone(ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        local = moment
    months = MONTHS.get(language, MONTHS["en"])
    return f"{local.day} {months[local.month - 1]} {local.year}"

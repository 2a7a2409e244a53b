"""What a request over a rate limit (api.rate_limits) is answered: 429 with Retry-After, in words for
the pages people use (a survey link in the respondent's language, or English and Welsh; sign-in; the
application form) and in the one error shape (`TooManyRequests`) for the JSON API and key writes.
"""

from __future__ import annotations

from fastapi import status
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Scope

from api.errors import too_many_requests
from api.follow_up.page_words import words
from api.pages.web import SECURITY_HEADERS, pages_of

TOO_MANY_WORDS = {
    "en": (
        "Please wait a moment",
        "There have been too many tries from here, or with this link, in a short time. Nothing was saved. "
        "Please try again in {seconds} seconds.",
    ),
    "cy": (
        "Arhoswch am ychydig",
        "Bu gormod o ymdrechion o'r fan hon, neu gyda'r ddolen hon, mewn amser byr. Ni chadwyd dim. "
        "Rhowch gynnig arall arni ymhen {seconds} eiliad.",
    ),
}
PAGE_WORDS = {
    "sign_in_link": (
        "Too many sign-in attempts",
        "There have been too many sign-in links asked for or used from this address. Please wait {seconds} "
        "seconds, then try again.",
    ),
    "sign_in": (
        "Too many sign-in attempts",
        "There have been too many sign-in attempts from this address. Please wait {seconds} seconds, then try again.",
    ),
    "applications": (
        "Too many applications",
        "Too many applications have been sent from this address, or to this programme, in a short time. Nothing "
        "was saved. Please wait {seconds} seconds, then go back and send the form again.",
    ),
}


def _survey_page(request: Request, seconds: int) -> HTMLResponse:
    """In the language asked for (`?lang=`), or in English and Welsh when none was."""
    asked = (request.query_params.get("lang") or "").lower()
    languages = [asked] if asked in TOO_MANY_WORDS else ["en", "cy"]
    language = languages[0]
    html = (
        pages_of(request)
        .env.get_template("survey_message.html")
        .render(
            lang=language,
            t=words(language),
            languages=[],
            errors={},
            links=[],
            title=" / ".join(TOO_MANY_WORDS[lang][0] for lang in languages),
            paragraphs=[TOO_MANY_WORDS[lang][1].format(seconds=seconds) for lang in languages],
        )
    )
    headers = {**SECURITY_HEADERS, "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}
    return HTMLResponse(html, status_code=status.HTTP_429_TOO_MANY_REQUESTS, headers=headers)


def answer(scope: Scope, seconds: int, kind: str) -> Response:
    """429 for the request in `scope` (limited as `kind`): words for a page (a survey link, sign-in, the
    application form), the error shape for anything else (the JSON API, and any write with a key: API
    clients send keys)."""
    request = Request(scope)
    headers = {"Retry-After": str(seconds)}
    if scope["path"].startswith("/api/") or kind not in ("survey", "sign_in", "sign_in_link", "applications"):
        error = too_many_requests(seconds)
        return JSONResponse(error.body(), status_code=error.status_code, headers=error.headers)
    if kind == "survey":
        response = _survey_page(request, seconds)
    else:
        title, message = PAGE_WORDS[kind]
        html = (
            pages_of(request)
            .env.get_template("error.html")
            .render(
                viewer=None,
                csrf="",
                flash=None,
                path=scope["path"],
                title=title,
                message=message.format(seconds=seconds),
            )
        )
        response = HTMLResponse(html, status_code=status.HTTP_429_TOO_MANY_REQUESTS, headers=SECURITY_HEADERS)
    response.headers.update(headers)
    return response

"""PDF from a report's own HTML, through WeasyPrint: A4, "Page X of Y" at the foot of every page.

Why WeasyPrint is imported inside `html_to_pdf`: it loads Debian's pango/harfbuzz libraries when
imported, and the app must start (and every other route work) on a machine where they are missing.
Then the PDF routes answer 503 in the one error shape with a plain reason (`pdf_unavailable`), and
`scripts/ensure_weasyprint.sh` (run by `make test` and `make run`) installs the libraries where it can.

The print stylesheet: `PAGE_CSS` is applied to every PDF (A4, margins, the page counter), so each
report's template needs no print rules of its own to be numbered; a template's own `@page` rules
win where they say more. Nothing is fetched while rendering: `data:` URLs are followed, the pages' screen
stylesheet (/static/engage.css, linked by every page) is answered empty, so a report's PDF styles come from
its inline print rules, and any other link is refused and left out.
"""

from __future__ import annotations

import logging
import threading
from typing import Any
from urllib.parse import urlsplit

from fastapi import status
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.errors import RETRY_AFTER_SECONDS, ApiError

PDF_UNAVAILABLE = (
    "PDFs cannot be made on this server now: the system libraries WeasyPrint needs (pango) are missing. "
    "The same report is available as a page and as JSON."
)
PDF_UNAVAILABLE_CODE = "PdfUnavailable"
#: Relative links in a report's HTML resolve against this made-up origin when the caller gives none
#: (never contacted: see _local_fetcher).
LOCAL_BASE_URL = "http://engage.invalid/"
STATIC_PREFIX = "/static/"

#: A4, numbered "Page X of Y" (CSS paged media counters); the base every report PDF starts from.
PAGE_CSS = """
@page {
  size: A4;
  margin: 18mm 16mm 20mm 16mm;
  @bottom-center { content: "Page " counter(page) " of " counter(pages); font-size: 9pt; color: #333; }
}
html { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; }
svg { max-width: 100%; height: auto; }
nav, .no-print, .skip-link { display: none !important; }
"""


_WEASYPRINT = threading.Lock()


class PdfUnavailableError(RuntimeError):
    """WeasyPrint or its system libraries could not be loaded: no PDF can be made here."""


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    """Render `html` to PDF bytes (A4, page numbers); raises PdfUnavailableError when WeasyPrint cannot load.

    CPU-bound (tenths of a second per page): from async code call `render_pdf`, which runs it in a thread.
    """
    try:
        from weasyprint import CSS, HTML, URLFetcher
    except (ImportError, OSError) as exc:  # OSError: pango/harfbuzz shared libraries missing
        raise PdfUnavailableError(str(exc)) from exc
    # The pages' stylesheet uses screen CSS WeasyPrint skips (overflow-x, media queries): a warning per rule
    # per PDF that nobody can act on. Errors (a refused or missing resource) are still logged.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    # 👉 Nothing from the network: data: URLs only; the pages' linked stylesheet answered empty (_local_fetcher).
    # 👉 One PDF at a time per process: render_pdf runs this in worker threads, and fontconfig and pango
    # underneath are not safe to drive from several threads at once. Reports' PDFs are rare and take < 2 s.
    with _WEASYPRINT:
        document = HTML(string=html, base_url=base_url or LOCAL_BASE_URL, url_fetcher=_local_fetcher(URLFetcher))
        pdf: bytes = document.write_pdf(stylesheets=[CSS(string=PAGE_CSS)])
    return pdf


async def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """`html_to_pdf` off the event loop; raises the 503 ApiError (`pdf_unavailable`) when no PDF can be made."""
    try:
        return await run_in_threadpool(html_to_pdf, html, base_url)
    except PdfUnavailableError as exc:
        raise pdf_unavailable() from exc


async def pdf_response(html: str, filename: str, base_url: str | None = None) -> Response:
    """The report's HTML as an inline PDF download named `filename` (ASCII, ends in .pdf)."""
    pdf = await render_pdf(html, base_url)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _local_fetcher(base: type[Any]) -> Any:
    """A WeasyPrint URL fetcher that follows `data:` URLs only. The pages' screen stylesheet, which every
    page links (/static/*.css, whatever host the link names), is answered as an empty stylesheet: a PDF
    takes its styles from its own inline print rules (PAGE_CSS and the template's), not from screen CSS
    of scroll boxes and media queries. Anything else is refused (WeasyPrint logs it and leaves it out)."""
    from weasyprint.urls import URLFetcherResponse

    class LocalFetcher(base):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = urlsplit(url).path
            if path.startswith(STATIC_PREFIX) and path.endswith(".css"):
                return URLFetcherResponse(url, b"", {"Content-Type": "text/css"})
            raise ValueError(f"report PDFs fetch nothing from outside: {url!r} refused")

    return LocalFetcher()


def pdf_unavailable() -> ApiError:
    """503 `PdfUnavailable` in the one error shape: the reason in plain words, and when to retry."""
    return ApiError(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        PDF_UNAVAILABLE,
        error=PDF_UNAVAILABLE_CODE,
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )

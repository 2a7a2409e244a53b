"""PDF from a report's own HTML, through WeasyPrint: A4, "Page X of Y" at the foot of every page.

Why WeasyPrint is imported inside `html_to_pdf`: it loads Debian's pango/harfbuzz libraries when
imported, and the app must start (and every other route work) on a machine where they are missing.
Then the PDF routes answer 503 in the one error shape with a plain reason (`pdf_unavailable`), and
`scripts/ensure_weasyprint.sh` (run by `make test` and `make run`) installs the libraries where it can.

The print stylesheet: `PAGE_CSS` is applied to every PDF (A4, margins, the page counter), so each
report's template needs no print rules of its own to be numbered; a template's own `@page` rules
win where they say more. Nothing is fetched while rendering: only `data:` URLs are followed, so a
report's styles and charts are inline (its template's `<style>` and SVG), and any other link is left out.
"""

from __future__ import annotations

from fastapi import status
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.errors import RETRY_AFTER_SECONDS, ApiError

PDF_UNAVAILABLE = (
    "PDFs cannot be made on this server now: the system libraries WeasyPrint needs (pango) are missing. "
    "The same report is available as a page and as JSON."
)
PDF_UNAVAILABLE_CODE = "PdfUnavailable"

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
    # 👉 data: URLs only: a report's styles and charts are inline, and rendering never reaches the network.
    document = HTML(string=html, base_url=base_url, url_fetcher=URLFetcher(allowed_protocols={"data"}))
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


def pdf_unavailable() -> ApiError:
    """503 `PdfUnavailable` in the one error shape: the reason in plain words, and when to retry."""
    return ApiError(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        PDF_UNAVAILABLE,
        error=PDF_UNAVAILABLE_CODE,
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )

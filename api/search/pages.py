"""`GET /search?q=`: the page behind the header's search box; the same service as the JSON route."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from api.access import page_access
from api.app_services import services_of
from api.errors import ApiError
from api.pages.web import FormError, Viewer, render
from api.search import service

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25


def _page(request: Request) -> int:
    try:
        return max(1, min(int(request.query_params.get("page", "1")), 40_000))
    except ValueError:
        return 1


@router.get("/search")
async def search_page(request: Request, viewer: Annotated[Viewer, page_access("signed_in")]) -> Response:
    """The box and, once something is typed, one page of what it finds (a too-short query is said beside
    the box, with a 422, and finds nothing)."""
    query = request.query_params.get("q", "")
    if not query.strip():
        return render(request, "search.html", viewer, q="", hits=[], searched=False, error=None)
    page = _page(request)
    try:
        async with services_of(request).sessionmaker() as session:
            found = await service.search(
                session, viewer.principal, query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
            )
    except ApiError as refused:  # the one refusal: too short or too long
        reason = refused.reason or service.TOO_SHORT
        error = FormError(reason, {"q": reason})
        return render(
            request,
            "search.html",
            viewer,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            q=query[:200],
            hits=[],
            searched=False,
            error=error,
        )
    pages = max(1, -(-found.total // PAGE_SIZE))

    def link(to: int) -> str:
        return "/search?" + urlencode({"q": query, "page": to})

    return render(
        request,
        "search.html",
        viewer,
        q=query,
        hits=found.items,
        searched=True,
        error=None,
        total=found.total,
        page=page,
        pages=pages,
        prev_link=link(page - 1) if page > 1 else None,
        next_link=link(page + 1) if page < pages else None,
    )

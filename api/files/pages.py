"""The project page's links to evidence files and thumbnails: the same answers as the JSON routes,
for a person signed in to the pages (a partner not party to a project holding the file: the 404 page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.access import page_access
from api.errors import ApiError
from api.files.serving import file_response, thumbnail_response
from api.pages.web import Viewer, not_found_page

router = APIRouter(include_in_schema=False)

FileViewer = Annotated[Viewer, page_access("file_party")]


@router.get("/files/{sha256}")
async def file_page(request: Request, viewer: FileViewer, sha256: str) -> Response:
    """Download an evidence file."""
    try:
        return await file_response(request, viewer.principal, sha256)
    except ApiError:
        return not_found_page(request, viewer)


@router.get("/files/{sha256}/thumbnail")
async def thumbnail_page(request: Request, viewer: FileViewer, sha256: str) -> Response:
    """An image file's thumbnail, for the project page."""
    try:
        return await thumbnail_response(request, viewer.principal, sha256)
    except ApiError:
        return not_found_page(request, viewer)

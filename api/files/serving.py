"""Serving an evidence file or its thumbnail: the one code path behind the JSON route and the page link.

A file is always an attachment (`Content-Disposition: attachment`, with the name the sender gave it)
of the type read from its content, with `X-Content-Type-Options: nosniff` (api.http_guards adds it
to every answer; set here too, so it cannot be lost): a browser saves it rather than rendering, so
an HTML or SVG file dressed as evidence never runs in Engage's origin. A thumbnail is a PNG Engage
made itself (Pillow, once, cached on disk), shown inline on the project page.
"""

from __future__ import annotations

import asyncio

from fastapi import Request
from fastapi.responses import FileResponse

from api.app_services import services_of
from api.auth import Principal
from api.errors import not_found
from api.files.uploads import file_store
from api.files.visibility import FILE_NOT_FOUND, visible_file
from store.files.kinds import THUMBNAILED

NOSNIFF = {"X-Content-Type-Options": "nosniff"}


async def file_response(request: Request, principal: Principal, sha256: str) -> FileResponse:
    """The file as an attachment; 404 unless the caller may see a project holding it and it is kept."""
    row = await visible_file(request, principal, sha256)
    path = file_store(services_of(request).settings).path_of(sha256) if row is not None else None
    if row is None or path is None or not path.exists():
        raise not_found(FILE_NOT_FOUND)
    return FileResponse(
        path,
        media_type=row.media_type,
        filename=row.original_name,
        content_disposition_type="attachment",
        headers=NOSNIFF,
    )


async def thumbnail_response(request: Request, principal: Principal, sha256: str) -> FileResponse:
    """A PNG thumbnail of an image file (made on first request); 404 for other kinds, as for the file."""
    row = await visible_file(request, principal, sha256)
    if row is None or row.media_type not in THUMBNAILED:
        raise not_found(FILE_NOT_FOUND)
    thumbnail = await asyncio.to_thread(file_store(services_of(request).settings).thumbnail, sha256)
    if thumbnail is None:
        raise not_found(FILE_NOT_FOUND)
    return FileResponse(thumbnail, media_type="image/png", headers=NOSNIFF)

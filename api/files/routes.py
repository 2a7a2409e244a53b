"""`GET /api/v1/files/{sha256}`: an evidence file, to whoever may see a project holding it; and its thumbnail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse

from api.access import access
from api.auth import Principal
from api.errors import error_responses
from api.files.serving import file_response, thumbnail_response

router = APIRouter(prefix="/api/v1/files", tags=["files"])

Sha256 = Annotated[
    str, Path(pattern=r"^[0-9a-f]{64}$", description="The file's sha256, lower-case hex (as in a submission's links).")
]
_FILE: dict[int | str, dict[str, Any]] = {
    200: {"description": "The file, as an attachment of the type read from its content.", "content": {}}
}
_THUMBNAIL: dict[int | str, dict[str, Any]] = {
    200: {"description": "A PNG at most 320 by 320 pixels.", "content": {"image/png": {}}}
}


@router.get("/{sha256}", response_class=FileResponse, responses={**_FILE, **error_responses(401, 404, 422, 503)})
async def read_file(
    request: Request, sha256: Sha256, principal: Annotated[Principal, access("file_party")]
) -> FileResponse:
    """An evidence file of a milestone submission, as an attachment."""
    return await file_response(request, principal, sha256)


@router.get(
    "/{sha256}/thumbnail", response_class=FileResponse, responses={**_THUMBNAIL, **error_responses(401, 404, 422, 503)}
)
async def read_thumbnail(
    request: Request, sha256: Sha256, principal: Annotated[Principal, access("file_party")]
) -> FileResponse:
    """A thumbnail of an image file (404 for other kinds)."""
    return await thumbnail_response(request, principal, sha256)

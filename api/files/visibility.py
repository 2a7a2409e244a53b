"""Who may see an evidence file: whoever may see a project holding it (the `file_party` rule).

Files belong to projects: staff see every project, so every file; a partner sees the files of the
projects it takes part in (`project_party`). A partner asking for any other file, held or not, gets
the same 404, so it cannot learn that some project holds those bytes. Checked by api.access_rules
(the JSON route and the page alike); kept here because only files need it.
"""

from __future__ import annotations

from fastapi import Request

from api.app_services import services_of
from api.auth import Principal
from store.files.blobs import SHA256
from store.files.rows import held_for_partner, holders
from store.tables.files import EvidenceFile

FILE_NOT_FOUND = "File not found."


async def visible_file(request: Request, principal: Principal, sha256: str) -> EvidenceFile | None:
    """The row (name, type) this caller sees for these bytes: the first submission holding them that the
    caller may see; None when there is none (unknown bytes, or only other partners' projects hold them)."""
    if not SHA256.match(sha256):
        return None
    async with services_of(request).sessionmaker() as session:
        if principal.is_staff:
            rows = await holders(session, sha256)
            return rows[0] if rows else None
        return await held_for_partner(session, sha256, principal.partner_id or "")


async def is_file_party(request: Request, principal: Principal) -> bool:
    """Staff; or a partner of a project holding the path's `{sha256}` (a malformed one: the route's 422)."""
    sha256 = request.path_params.get("sha256")
    if principal.is_staff or not isinstance(sha256, str) or not SHA256.match(sha256):
        return True
    return await visible_file(request, principal, sha256) is not None

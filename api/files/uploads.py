"""A milestone submission with files: the one code path behind the JSON route's multipart body and
the project page's form.

Order, so that a refused or half-sent upload leaves nothing and records no submission:
1. each file is streamed to the store's tmp/ while hashed and counted (413 past
   `ENGAGE_MAX_UPLOAD_BYTES`, nothing kept) and its type decided from its first bytes (415 for a kind
   Engage does not take, named in the reason; the sender's file name and Content-Type are ignored);
2. the submission is sent to the workflow with each file as `sha256:<hex>` after its links (the
   workflow keeps only these references, never bytes, names or types: no workflow change, every
   history replays); refused, the staged files are deleted;
3. accepted (durable), each file is renamed into place (already held: the staged copy is dropped,
   deduplicated) and linked to the submission in `evidence_file` with its size, type and name.
A crash between 2 and 3 leaves the submission naming a file not kept: its link answers 404.
"""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from fastapi import status
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.callers import Caller
from api.errors import UPLOAD_TOO_LARGE, ApiError, invalid
from api.projects import updates
from api.projects.input_schemas import SubmissionCreate
from api.settings import ApiSettings
from api.upload_guard import MAX_FILES
from domain.state import MilestoneState
from store.files.blobs import FileStore, Staged, TooLarge
from store.files.kinds import ACCEPTED_IN_WORDS, media_type_of, sniffed_as
from store.files.rows import FileRecord, record_files

#: How a file appears among a submission's links (and so in the workflow's state and history).
FILE_REF = "sha256:"
#: The most links and files together (the workflow's MilestoneSubmission.links).
MAX_REFERENCES = 20
UNSUPPORTED_TYPE = "This kind of file is not accepted as evidence."
UNSUPPORTED = "UnsupportedMediaType"


@dataclass(frozen=True)
class Upload:
    """A file as received: the name the sender gave it (shown, never trusted) and its bytes."""

    name: str
    file: BinaryIO


@dataclass(frozen=True)
class _Ready:
    staged: Staged
    media_type: str
    name: str


def file_store(settings: ApiSettings) -> FileStore:
    """The evidence files under the data directory (`ENGAGE_DATA_DIR`, files/)."""
    return FileStore(settings.data_dir / "files")


def shown_name(name: str) -> str:
    """The sender's file name as the page shows it: its last part only, no control characters, at most 255."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(c for c in last if unicodedata.category(c)[0] != "C").strip()
    return kept[:255] or "file"


def file_refs(links: Sequence[str]) -> list[str]:
    """The sha256s among a submission's links (its files), in order."""
    return [link.removeprefix(FILE_REF) for link in links if link.startswith(FILE_REF)]


def _too_large(index: int, limit: int) -> ApiError:
    return ApiError(
        status.HTTP_413_CONTENT_TOO_LARGE,
        UPLOAD_TOO_LARGE,
        field=f"files.{index}",
        reason=f"the file is larger than {limit} bytes",
    )


def _unsupported(index: int, head: bytes) -> ApiError:
    reason = f"its content is {sniffed_as(head)}; Engage accepts {ACCEPTED_IN_WORDS}"
    return ApiError(
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        UNSUPPORTED_TYPE,
        field=f"files.{index}",
        reason=reason,
        error=UNSUPPORTED,
    )


async def _stage_all(store: FileStore, uploads: Sequence[Upload], limit: int) -> list[_Ready]:
    ready: list[_Ready] = []
    try:
        for index, upload in enumerate(uploads):
            try:
                staged = await asyncio.to_thread(store.stage, upload.file, limit)
            except TooLarge:
                raise _too_large(index, limit) from None
            media_type = media_type_of(staged.head)
            if media_type is None:
                store.discard(staged)
                raise _unsupported(index, staged.head)
            ready.append(_Ready(staged, media_type, shown_name(upload.name)))
    except BaseException:
        for each in ready:
            store.discard(each.staged)
        raise
    return ready


async def submit_with_files(
    caller: Caller,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: ApiSettings,
    project_id: str,
    milestone_key: str,
    body: SubmissionCreate,
    uploads: Sequence[Upload],
) -> MilestoneState:
    """Submit a milestone with its files (none: exactly `updates.submit_milestone`); see the module docstring."""
    if not uploads:
        return await updates.submit_milestone(caller, sessionmaker, project_id, milestone_key, body)
    if len(uploads) > MAX_FILES or len(uploads) + len(body.links) > MAX_REFERENCES:
        raise invalid("files", f"at most {MAX_FILES} files, and {MAX_REFERENCES} files and links together")
    store = file_store(settings)
    ready = await _stage_all(store, uploads, settings.max_upload_bytes)
    refs = tuple(dict.fromkeys(FILE_REF + each.staged.sha256 for each in ready))
    try:
        # 👉 The references join the links unvalidated (model_copy): they are not web addresses, and the
        # workflow's MilestoneSubmission takes any text there; the links themselves were validated.
        with_files = body.model_copy(update={"links": [*body.links, *refs]})
        milestone = await updates.submit_milestone(caller, sessionmaker, project_id, milestone_key, with_files)
    except BaseException:
        for each in ready:
            store.discard(each.staged)
        raise
    for each in ready:
        await asyncio.to_thread(store.keep, each.staged)
    await _link(sessionmaker, project_id, milestone, refs, ready, caller.principal.key_id)
    return milestone


async def _link(
    sessionmaker: async_sessionmaker[AsyncSession],
    project_id: str,
    milestone: MilestoneState,
    refs: tuple[str, ...],
    ready: Sequence[_Ready],
    uploaded_by: str,
) -> None:
    """Record the files against the submission that carries them (the latest with these references),
    with who sent them (the key id; `user:<id>` for an account: a person's export lists these)."""
    number = next((s.number for s in reversed(milestone.submissions) if set(refs) <= set(s.links)), None)
    if number is None:
        return  # an Idempotency-Key reused for another submission: api.projects.updates refuses those
    records = list(
        {r.staged.sha256: FileRecord(r.staged.sha256, r.staged.size, r.media_type, r.name) for r in ready}.values()
    )
    async with sessionmaker() as session:
        await record_files(session, project_id, milestone.key, number, records, datetime.now(UTC), uploaded_by)
        await session.commit()

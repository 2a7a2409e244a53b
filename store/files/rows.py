"""The `evidence_file` rows: which submission holds which file, and who may therefore see it.

Written by the API once a submission is accepted (after its files are in place), read by the file
route (which projects hold these bytes) and the project page (each submission's files).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.tables.files import EvidenceFile
from store.tables.projects import ProjectPartner
from store.upserts import insert_ignore


@dataclass(frozen=True)
class FileRecord:
    """One accepted file, as the API records it."""

    sha256: str
    size: int
    media_type: str
    original_name: str


async def record_files(
    session: AsyncSession,
    project_id: str,
    milestone_key: str,
    submission_number: int,
    files: Sequence[FileRecord],
    uploaded_at: datetime,
    uploaded_by: str | None = None,
) -> int:
    """Link `files` to a submission; a repeat (same request retried) adds nothing. Returns rows added.

    `uploaded_by` is the sender's key id (`user:<id>` for an account): a person's export finds by it."""
    rows = [
        {
            "project_id": project_id,
            "milestone_key": milestone_key,
            "submission_number": submission_number,
            "sha256": f.sha256,
            "size": f.size,
            "media_type": f.media_type,
            "original_name": f.original_name,
            "uploaded_at": uploaded_at,
            "uploaded_by": uploaded_by,
        }
        for f in files
    ]
    return await insert_ignore(session, EvidenceFile, rows) if rows else 0


async def holders(session: AsyncSession, sha256: str) -> Sequence[EvidenceFile]:
    """Every submission holding these bytes (oldest first): who may see them is who may see one of these."""
    statement = select(EvidenceFile).where(EvidenceFile.sha256 == sha256).order_by(EvidenceFile.uploaded_at)
    return (await session.scalars(statement)).all()


async def held_for_partner(session: AsyncSession, sha256: str, partner_id: str) -> EvidenceFile | None:
    """The first submission holding these bytes in a project the partner takes part in (one indexed join)."""
    statement = (
        select(EvidenceFile)
        .join(ProjectPartner, ProjectPartner.project_id == EvidenceFile.project_id)
        .where(EvidenceFile.sha256 == sha256, ProjectPartner.partner_id == partner_id)
        .order_by(EvidenceFile.uploaded_at)
        .limit(1)
    )
    return (await session.scalars(statement)).first()


async def files_of_project(session: AsyncSession, project_id: str) -> Sequence[EvidenceFile]:
    """A project's files, by milestone and submission, for its page."""
    statement = (
        select(EvidenceFile)
        .where(EvidenceFile.project_id == project_id)
        .order_by(EvidenceFile.milestone_key, EvidenceFile.submission_number, EvidenceFile.uploaded_at)
    )
    return (await session.scalars(statement)).all()


async def all_hashes(session: AsyncSession) -> list[str]:
    """Every sha256 some submission holds (the backup copies these files)."""
    return list((await session.scalars(select(EvidenceFile.sha256).distinct())).all())

"""Evidence files: which project's milestone submission holds which stored file (issue 15).

The bytes live on disk, content-addressed by sha256 (store.files.blobs); this table only links a
project's submission to a file and keeps what the page shows about it. `original_name` is shown,
never trusted (never a path, never the type); `media_type` was decided from the content.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.tables.base import Base


class EvidenceFile(Base):
    """One file of one submission: `(project_id, milestone_key, submission_number, sha256)`.

    The same bytes sent twice are one file on disk and two rows here (one per submission); a
    repeated request (same Idempotency-Key) finds its rows and adds none (ON CONFLICT DO NOTHING).
    """

    __tablename__ = "evidence_file"

    project_id: Mapped[str] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    milestone_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    submission_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(255))
    uploaded_at: Mapped[datetime]
    #: Who sent it: the principal's key id (`user:<id>` for an account), so a person's export lists the
    #: files they sent and their erasure sets it NULL (the file stays: it is the project's evidence).
    uploaded_by: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True, default=None)

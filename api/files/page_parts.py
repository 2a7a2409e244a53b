"""What the project page shows of each evidence file: its shown name, kind and size in words, and
whether it has a thumbnail. Read from `evidence_file` for the project being rendered (the viewer may
see the project, so every file of it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from api.files.uploads import FILE_REF, file_refs
from api.pages.web import FormError
from store.files.kinds import AUDIO, IMAGES, THUMBNAILED, VIDEO
from store.files.rows import files_of_project


@dataclass(frozen=True)
class EvidenceView:
    name: str
    kind: str
    size: str
    thumbnail: bool


def kind_in_words(media_type: str) -> str:
    if media_type == "application/pdf":
        return "PDF"
    for kinds, word in ((IMAGES, "image"), (AUDIO, "audio"), (VIDEO, "video")):
        if media_type in kinds:
            return word
    return "document"


def size_in_words(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


@dataclass(frozen=True)
class Evidence:
    """A project's files for its page: `web_links` and `files` split a submission's links; `error_of`
    joins a refused form's reasons about its files (`files`, `files.0`, ...) for the file input."""

    by_sha: dict[str, EvidenceView]

    def web_links(self, links: Sequence[str]) -> list[str]:
        return [link for link in links if not link.startswith(FILE_REF)]

    def files(self, links: Sequence[str]) -> list[tuple[str, EvidenceView | None]]:
        return [(sha, self.by_sha.get(sha)) for sha in file_refs(links)]

    def error_of(self, error: FormError | None) -> str | None:
        reasons = [r for name, r in (error.fields.items() if error else ()) if name.split(".")[0] == "files"]
        return "; ".join(reasons) or None


async def evidence_of(session: AsyncSession, project_id: str) -> Evidence:
    """What the page shows of every file of the project."""
    return Evidence(
        {
            row.sha256: EvidenceView(
                row.original_name, kind_in_words(row.media_type), size_in_words(row.size), row.media_type in THUMBNAILED
            )
            for row in await files_of_project(session, project_id)
        }
    )

"""Evidence files on disk, content-addressed: `<root>/<aa>/<sha256>`, each written once.

Why this shape:
- Content-addressed: the name is the sha256 of the bytes, so the same photo sent twice is one file
  (deduplicated), a name can never collide or be chosen by a sender, and a backup can check every file.
- Staged, then renamed: an upload is streamed to `<root>/tmp/` while it is hashed and counted; only
  once the submission is accepted is it renamed into place (`os.replace`, atomic on one filesystem).
  A refused, too large or half-sent upload is deleted from tmp/ and leaves nothing behind; what a
  process killed mid-request left there is swept by a later upload once a day old.
- Thumbnails are made once, on first request, and cached beside (`<root>/thumbnails/`), written the
  same way (temp, then rename), so two concurrent first requests both end with a whole file.
Blocking file I/O: callers run these functions in a thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from store.files.kinds import HEAD_BYTES

CHUNK = 1024 * 1024
#: A staged upload older than this was left by a process that stopped mid-request: swept on the next upload.
STALE_AFTER_SECONDS = 24 * 3600
SHA256 = re.compile(r"^[0-9a-f]{64}$")
THUMBNAIL_SIZE = (320, 320)


class TooLarge(Exception):
    """The upload passed the per-file limit; what was staged of it is already deleted."""


@dataclass(frozen=True)
class Staged:
    """An upload written to tmp/: its hash, size and first bytes (to decide its type)."""

    temp_path: Path
    sha256: str
    size: int
    head: bytes


class FileStore:
    """The evidence files under one root directory (the data directory's `files/`)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        if not SHA256.match(sha256):
            raise ValueError("not a sha256 in lower-case hex")
        return self.root / sha256[:2] / sha256

    def thumbnail_path(self, sha256: str) -> Path:
        return self.root / "thumbnails" / sha256[:2] / f"{sha256}.png"

    def stage(self, source: BinaryIO, limit: int) -> Staged:
        """Copy `source` to tmp/ while hashing it; `TooLarge` (nothing kept) past `limit` bytes."""
        tmp = self.root / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        self._sweep(tmp)
        digest, size, head = hashlib.sha256(), 0, b""
        handle, name = tempfile.mkstemp(dir=tmp, prefix="upload-")
        path = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge
                    if len(head) < HEAD_BYTES:
                        head += chunk[: HEAD_BYTES - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return Staged(path, digest.hexdigest(), size, head)

    @staticmethod
    def _sweep(tmp: Path) -> None:
        """Delete staged uploads a stopped process left behind (a request in flight is far younger)."""
        cutoff = time.time() - STALE_AFTER_SECONDS
        for left in tmp.iterdir():
            with contextlib.suppress(FileNotFoundError):
                if left.stat().st_mtime < cutoff:
                    left.unlink()

    def keep(self, staged: Staged) -> bool:
        """Move a staged upload into place; True if these bytes were new, False if already held."""
        target = self.path_of(staged.sha256)
        if target.exists():
            staged.temp_path.unlink(missing_ok=True)
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.temp_path, target)
        return True

    def discard(self, staged: Staged) -> None:
        staged.temp_path.unlink(missing_ok=True)

    def thumbnail(self, sha256: str) -> Path | None:
        """A PNG (at most 320 by 320 pixels) of the stored image, cached; None if Pillow cannot read it."""
        cached = self.thumbnail_path(sha256)
        if cached.exists():
            return cached
        source = self.path_of(sha256)
        if not source.exists():
            return None
        from PIL import Image, UnidentifiedImageError  # only the thumbnail route needs Pillow

        cached.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=cached.parent, prefix="thumb-", suffix=".png")
        os.close(handle)
        try:
            with Image.open(source) as image:
                image.thumbnail(THUMBNAIL_SIZE)
                image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB").save(name, "PNG")
            os.replace(name, cached)
        except (OSError, UnidentifiedImageError, Image.DecompressionBombError, ValueError):
            return None
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
        return cached

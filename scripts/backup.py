"""Back up the embedded default while it runs: `python scripts/backup.py [--data-dir .data] [--out backups]`.

What it copies, into a new folder `<out>/engage-<UTC timestamp>/`:
- `temporal.db`: every workflow's history, timers and task queues (the dev server's SQLite file);
- `engage.db`: the read model, the event log, the outbox (DATABASE_URL when it is a SQLite file);
- `admin_key`, `payload_keys` and `outbox_key` (mode 0600; without the payload keys Temporal's copy cannot be
  read, without the outbox key queued survey e-mails cannot be sent)
  and `blobs/`, when present;
- `files/`: the evidence files of milestone submissions (issue 15), content-addressed `<aa>/<sha256>`,
  each checked against its name as it is copied (staging `tmp/` and the `thumbnails/` cache, which
  the API makes again, are left out);
- `manifest.json` last, with each file's size and sha256: a folder without it is incomplete.

Why this is safe on a live system: each database is copied with SQLite's online backup API in a
single step, which reads one consistent snapshot inside a read transaction while the Temporal
server, the worker and the API keep writing (WAL lets readers and the writer proceed together).
Each copy is checked with `PRAGMA integrity_check` and switched to a self-contained file.

Why Temporal first: the read model only ever follows Temporal (activities write it after the
workflow decided). Copying `temporal.db` first means the copy of `engage.db` is at least as new:
on restore, activities Temporal had not seen complete simply run again (they are idempotent),
whereas the other order could leave events that Temporal considers recorded missing for good.

Restore with `scripts/restore.py` into a fresh directory. With PostgreSQL as DATABASE_URL, back the
records database up with PostgreSQL's own tools (pg_dump / PITR); this script then copies the rest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SQLITE_PREFIXES = ("sqlite+aiosqlite:///", "sqlite:///")
#: Names inside a backup folder; scripts/restore.py puts them back under the same names.
TEMPORAL_DB, ENGAGE_DB, ADMIN_KEY, BLOBS, MANIFEST = "temporal.db", "engage.db", "admin_key", "blobs", "manifest.json"
PAYLOAD_KEYS = "payload_keys"  # the keys Temporal's payloads are encrypted with (api/payload_codec.py)
OUTBOX_KEY = "outbox_key"  # the key survey links waiting to be sent are sealed with
FILES = "files"  # evidence files, named by their sha256 (store/files/blobs.py)


class BackupError(Exception):
    """The backup cannot be made as asked; the message says why."""


def resolve_data_dir(value: str | None) -> Path:
    """The data directory as devstack uses it: ENGAGE_DATA_DIR or `.data`, relative to the repository."""
    path = Path(value or os.environ.get("ENGAGE_DATA_DIR") or ".data")
    return (path if path.is_absolute() else ROOT / path).resolve()


def engage_db_path(data_dir: Path) -> Path | None:
    """The records database file: DATABASE_URL if it is SQLite, else `<data>/engage.db`; None for a server."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return data_dir / ENGAGE_DB
    for prefix in SQLITE_PREFIXES:
        if url.startswith(prefix):
            return Path(url.removeprefix(prefix)).resolve()
    return None


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database, checked, as one self-contained file."""
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # pages=-1: the whole database in one step, from one read snapshot
            (result,) = dst.execute("PRAGMA integrity_check").fetchone()
            if result != "ok":
                raise BackupError(f"the copy of {source.name} failed its integrity check: {result}")
            dst.execute("PRAGMA journal_mode=DELETE")  # no -wal/-shm beside the copy
        finally:
            dst.close()
    finally:
        src.close()
    _fsync(target)


def copy_evidence(source: Path, target: Path) -> int:
    """Copy every kept evidence file (`<aa>/<sha256>`), checking each copy's sha256 is its name; return how many.

    Renamed into place before the row that names it is written (api/files/uploads.py), and copied here
    after the databases: every file a copied `evidence_file` row names is in the backup."""
    count = 0
    for path in sorted(source.glob("??/*")):
        if not path.is_file():
            continue
        copy = target / path.parent.name / path.name
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
        if sha256(copy) != path.name:
            raise BackupError(f"{FILES}/{path.parent.name}/{path.name} does not match its name: the file is damaged")
        count += 1
    return count


def backup(data_dir: Path, out: Path, *, now: datetime | None = None) -> Path:
    """Make one backup folder under `out`; return its path."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    folder = out / f"engage-{stamp}"
    folder.mkdir(parents=True, exist_ok=False)
    files: dict[str, dict[str, Any]] = {}
    notes: list[str] = []

    copy_sqlite(data_dir / TEMPORAL_DB, folder / TEMPORAL_DB)  # 👉 first: see the module docstring
    engage = engage_db_path(data_dir)
    if engage is None:
        notes.append("DATABASE_URL is not SQLite: back the records database up with its own tools (pg_dump)")
    else:
        copy_sqlite(engage, folder / ENGAGE_DB)
    for secret in (ADMIN_KEY, PAYLOAD_KEYS, OUTBOX_KEY):
        if (data_dir / secret).is_file():
            shutil.copyfile(data_dir / secret, folder / secret)
            os.chmod(folder / secret, 0o600)
    blobs = data_dir / BLOBS
    if blobs.is_dir():
        # Content-addressed and written before the rows that name them: copied after the databases,
        # every blob the copied rows refer to is here.
        shutil.copytree(blobs, folder / BLOBS)
    if (data_dir / FILES).is_dir():
        copy_evidence(data_dir / FILES, folder / FILES)

    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        files[str(path.relative_to(folder))] = {"bytes": path.stat().st_size, "sha256": sha256(path)}
    manifest = {
        "created_at": (now or datetime.now(UTC)).isoformat(),
        "source": str(data_dir),
        "files": files,
        "notes": notes,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    _fsync(folder / MANIFEST)
    _fsync(folder)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="the running data directory (default: ENGAGE_DATA_DIR or .data)")
    parser.add_argument("--out", help="where backup folders go (default: backups/ next to the data directory)")
    args = parser.parse_args(argv)
    data_dir = resolve_data_dir(args.data_dir)
    out = Path(args.out).resolve() if args.out else data_dir.parent / "backups"
    try:
        folder = backup(data_dir, out)
    except (BackupError, OSError, sqlite3.Error) as err:
        sys.stderr.write(f"backup failed: {err}\n")
        return 1
    sys.stdout.write(f"{folder}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

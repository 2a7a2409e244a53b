"""Restore a backup into a fresh data directory: `python scripts/restore.py BACKUP --data-dir DIR`.

BACKUP is a folder written by scripts/backup.py. Every file is checked against the manifest's
sha256 before anything is written, and each database passes `PRAGMA integrity_check` once in
place. The target must not hold Engage data already (restoring over a live directory would mix
two histories); start the stack on it afterwards with `ENGAGE_DATA_DIR=DIR make run`. Workflows
carry on from the moment of the backup: their timers fire (late ones at once), and activities
that had not finished run again — they are idempotent, so nothing is recorded twice.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backup import (
    ADMIN_KEY,
    BLOBS,
    ENGAGE_DB,
    FILES,
    MANIFEST,
    OUTBOX_KEY,
    PAYLOAD_KEYS,
    TEMPORAL_DB,
    resolve_data_dir,
    sha256,
)


class RestoreError(Exception):
    """The backup cannot be restored as asked; the message says why."""


def verify(folder: Path) -> dict[str, dict[str, object]]:
    """The manifest's files, each present with the recorded checksum; raise on the first mismatch."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise RestoreError(f"{folder} has no {MANIFEST}: not a complete backup")
    files: dict[str, dict[str, object]] = json.loads(manifest_path.read_text(encoding="utf-8"))["files"]
    if TEMPORAL_DB not in files:
        raise RestoreError(f"{folder} holds no {TEMPORAL_DB}")
    for name, expected in files.items():
        path = folder / name
        if not path.is_file() or sha256(path) != expected["sha256"]:
            raise RestoreError(f"{name} is missing or does not match its checksum in {MANIFEST}")
    return files


def restore(folder: Path, data_dir: Path) -> list[str]:
    """Copy the backup's files into `data_dir` (created if needed); return what was restored."""
    files = verify(folder)
    occupied = [
        name
        for name in (TEMPORAL_DB, ENGAGE_DB, ADMIN_KEY, PAYLOAD_KEYS, OUTBOX_KEY, BLOBS, FILES)
        if (data_dir / name).exists()
    ]
    if occupied:
        raise RestoreError(f"{data_dir} already holds {', '.join(occupied)}: restore into a fresh directory")
    data_dir.mkdir(parents=True, exist_ok=True)
    restored: list[str] = []
    for name in (TEMPORAL_DB, ENGAGE_DB):
        if name not in files:
            continue
        partial = data_dir / f".{name}.restoring"
        shutil.copyfile(folder / name, partial)
        db = sqlite3.connect(partial)
        try:
            (result,) = db.execute("PRAGMA integrity_check").fetchone()
        finally:
            db.close()
        if result != "ok":
            partial.unlink()
            raise RestoreError(f"{name} failed its integrity check after copying: {result}")
        os.replace(partial, data_dir / name)
        restored.append(name)
    for secret in (ADMIN_KEY, PAYLOAD_KEYS, OUTBOX_KEY):
        if (folder / secret).is_file():
            shutil.copyfile(folder / secret, data_dir / secret)
            os.chmod(data_dir / secret, 0o600)
            restored.append(secret)
    if (folder / BLOBS).is_dir():
        shutil.copytree(folder / BLOBS, data_dir / BLOBS)
        restored.append(BLOBS)
    if (folder / FILES).is_dir():
        shutil.copytree(folder / FILES, data_dir / FILES)  # each checked against the manifest above
        restored.append(FILES)
    return restored


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("backup", help="a folder written by scripts/backup.py")
    parser.add_argument("--data-dir", required=True, help="the fresh data directory to restore into")
    args = parser.parse_args(argv)
    data_dir = resolve_data_dir(args.data_dir)
    try:
        restored = restore(Path(args.backup).resolve(), data_dir)
    except (RestoreError, OSError, sqlite3.Error, ValueError, KeyError) as err:
        sys.stderr.write(f"restore failed: {err}\n")
        return 1
    sys.stdout.write(
        f"restored {', '.join(restored)} into {data_dir}\nstart it with: ENGAGE_DATA_DIR={data_dir} make run\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

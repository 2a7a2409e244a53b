"""Where exported workflow histories live: one folder per pytest session (tests/history_export.py).

Several people (and CI steps) may run pytest at once in one working tree, so without
`$ENGAGE_HISTORY_EXPORT_DIR` each session writes to a folder of its own under
build/exported-histories/ (git-ignored) and points `latest` there; folders older than a day go.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPORT_DIR_ENV = "ENGAGE_HISTORY_EXPORT_DIR"
DEFAULT_EXPORT_DIR = ROOT / "build" / "exported-histories"
LATEST = "latest"
PRUNE_AFTER_S = 24 * 3600
#: Written next to the histories when a run's history could not be fetched; replay-all reports it.
EXPORT_ERRORS_FILE = "_export_errors.jsonl"


@dataclass
class _Session:
    folder: Path | None = None


_session = _Session()


def export_dir() -> Path:
    """Where histories go: `$ENGAGE_HISTORY_EXPORT_DIR` if set, else this pytest session's own folder
    under build/exported-histories/ (git-ignored), else (outside pytest) the latest session's."""
    configured = os.environ.get(EXPORT_DIR_ENV, "").strip()
    if configured:
        return Path(configured)
    return _session.folder or DEFAULT_EXPORT_DIR / LATEST


def start_export_session() -> Path:
    """Give this pytest session an empty folder, so replay-all sees only this session's runs.

    Without `$ENGAGE_HISTORY_EXPORT_DIR` the folder is the session's own; it is created, and
    `latest` pointed at it, by the first export (a session that starts no workflow leaves
    `latest` where it was). Folders older than a day are pruned.
    """
    configured = os.environ.get(EXPORT_DIR_ENV, "").strip()
    if configured:
        folder = Path(configured)
        shutil.rmtree(folder, ignore_errors=True)
    else:
        folder = DEFAULT_EXPORT_DIR / f"session-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        _session.folder = folder
    if DEFAULT_EXPORT_DIR.is_dir():
        _prune_old_sessions(keep=folder)
    return folder


def point_latest_at(folder: Path) -> None:
    """Make `build/exported-histories/latest` (what `make replay-all` reads) name `folder`, if it is there."""
    if folder.resolve().parent != DEFAULT_EXPORT_DIR.resolve() or folder.name == LATEST:
        return
    link = DEFAULT_EXPORT_DIR / LATEST
    if link.is_symlink() and os.readlink(link) == folder.name:
        return
    temporary = DEFAULT_EXPORT_DIR / f".{LATEST}-{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(folder.name)
    os.replace(temporary, link)  # atomic: a concurrent replay-all sees the old or the new folder


def _prune_old_sessions(keep: Path) -> None:
    cutoff = time.time() - PRUNE_AFTER_S
    for old in DEFAULT_EXPORT_DIR.iterdir():
        if old.is_dir() and not old.is_symlink() and old.name != keep.name and old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)


def record_export_error(error: dict[str, str]) -> None:
    """Note a history that could not be exported, so replay-all fails on it rather than never seeing it."""
    folder = export_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / EXPORT_ERRORS_FILE).open("a", encoding="utf-8") as out:
        out.write(json.dumps(error) + "\n")

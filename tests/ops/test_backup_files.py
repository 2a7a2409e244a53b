"""Evidence files are in backups (issue 15): `scripts/backup.py` copies `files/` content-addressed, each
checked against its name, without the staging folder or the thumbnail cache; `scripts/restore.py` puts
them back; a damaged file stops the backup in words. Real scripts, real files, SQLite databases."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.faults.processes import ROOT


def run(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / name), *args], capture_output=True, text=True, check=False, env={}
    )


def keep(data_dir: Path, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    (data_dir / "files" / sha[:2]).mkdir(parents=True, exist_ok=True)
    (data_dir / "files" / sha[:2] / sha).write_bytes(data)
    return sha


def data_dir_with_files(root: Path) -> tuple[Path, list[str]]:
    live = root / "live"
    live.mkdir()
    for db in ("temporal.db", "engage.db"):
        sqlite3.connect(live / db).close()
    kept = [keep(live, b"%PDF-1.4 the plan"), keep(live, b"\x89PNG a photo")]
    (live / "files" / "tmp").mkdir()
    (live / "files" / "tmp" / "upload-half-sent").write_bytes(b"%PDF-1.4 cut off")
    (live / "files" / "thumbnails" / kept[1][:2]).mkdir(parents=True)
    (live / "files" / "thumbnails" / kept[1][:2] / f"{kept[1]}.png").write_bytes(b"cache")
    return live, kept


def test_a_backup_holds_every_kept_evidence_file_and_restores_them(tmp_path: Path) -> None:
    live, kept = data_dir_with_files(tmp_path)
    made = run("backup.py", "--data-dir", str(live), "--out", str(tmp_path / "backups"))
    assert made.returncode == 0, made.stderr
    folder = Path(made.stdout.strip())
    manifest = json.loads((folder / "manifest.json").read_text())["files"]
    expected = {f"files/{sha[:2]}/{sha}" for sha in kept}
    assert {name for name in manifest if name.startswith("files/")} == expected
    assert all(manifest[name]["sha256"] == name.rsplit("/", 1)[1] for name in expected)

    fresh = tmp_path / "restored"
    restored = run("restore.py", str(folder), "--data-dir", str(fresh))
    assert restored.returncode == 0, restored.stderr
    assert sorted(p.name for p in (fresh / "files").glob("??/*")) == sorted(kept)
    assert (fresh / "files" / kept[0][:2] / kept[0]).read_bytes() == b"%PDF-1.4 the plan"
    assert not (fresh / "files" / "tmp").exists() and not (fresh / "files" / "thumbnails").exists()


def test_a_damaged_evidence_file_stops_the_backup_in_words(tmp_path: Path) -> None:
    live, kept = data_dir_with_files(tmp_path)
    (live / "files" / kept[0][:2] / kept[0]).write_bytes(b"bit rot")
    made = run("backup.py", "--data-dir", str(live), "--out", str(tmp_path / "backups"))
    assert made.returncode == 1
    assert f"files/{kept[0][:2]}/{kept[0]} does not match its name: the file is damaged" in made.stderr

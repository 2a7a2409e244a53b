"""Evidence files for the tests: real bytes of each kind, made here (no fixtures on disk), and an app
whose data directory is the test's own."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from PIL import Image

from api.main import create_app
from api.settings import ApiSettings
from tests.api.conftest import ADMIN_KEY, Api, http_client

#: A one-page PDF, as small as a valid one gets.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def png(width: int = 640, height: int = 480, colour: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("run-me.sh", "echo not evidence")
    return out.getvalue()


def stored_files(data_dir: Path) -> list[str]:
    """The names of every evidence file kept (not thumbnails, not staging)."""
    root = data_dir / "files"
    if not root.exists():
        return []
    return sorted(p.name for p in root.glob("??/*") if p.is_file())


def staging(data_dir: Path) -> list[str]:
    tmp = data_dir / "files" / "tmp"
    return sorted(p.name for p in tmp.iterdir()) if tmp.exists() else []


@asynccontextmanager
async def files_app(api: Api, data_dir: Path, max_upload_bytes: int) -> AsyncIterator[httpx.AsyncClient]:
    """The app again, on the same worker and database, with its data directory in `data_dir`."""
    settings = ApiSettings(
        admin_key=ADMIN_KEY, task_queue=api.task_queue, data_dir=data_dir, max_upload_bytes=max_upload_bytes
    )
    app = create_app(settings, client=api.client, sessionmaker=api.sessionmaker)
    async with app.router.lifespan_context(app), http_client(app) as http:
        yield http

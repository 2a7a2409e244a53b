"""Evidence files through the project page's form (issue 15): the same service as the JSON route, so the
same files kept, the same refusals; the page shows each file, with a thumbnail for a photo.

Over HTTP without a browser (tests/pages/test_evidence_in_a_browser.py drives Chromium), SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from tests.api.conftest import Api, http_client
from tests.api.files_support import PDF, png, staging, stored_files, zip_archive
from tests.api.support import create_partner, create_project, ok, read_project

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NONCE = re.compile(r'name="nonce" value="([^"]+)"')


def hidden(page: httpx.Response, pattern: re.Pattern[str]) -> str:
    found = pattern.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


@asynccontextmanager
async def signed_in_partner(api: Api, partner_id: str) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie jar signed in to the pages with a new key of the partner's."""
    key = ok(await api.http.post(f"/api/v1/partners/{partner_id}/keys", json={"label": "portal"}), 201)["key"]
    async with http_client(api.app, None) as http:
        form = await http.get("/")
        signed_in = await http.post("/sign-in", data={"csrf": hidden(form, CSRF), "key": key})
        assert signed_in.status_code == 303, signed_in.text
        yield http


async def submit_page(http: httpx.AsyncClient, project_id: str, files: list[tuple[str, bytes, str]]) -> httpx.Response:
    page = await http.get(f"/projects/{project_id}")
    assert 'enctype="multipart/form-data"' in page.text and 'type="file"' in page.text
    form = {"csrf": hidden(page, CSRF), "nonce": hidden(page, NONCE), "summary": "Our plan and a photo", "links": ""}
    parts = [("files", (name, data, declared)) for name, data, declared in files]
    return await http.post(f"/projects/{project_id}/milestones/proposal/submit", data=form, files=parts)


async def test_a_partner_submits_a_pdf_and_a_photo_on_the_page_and_sees_them_with_a_thumbnail(api: Api) -> None:
    partner = await create_partner(api)
    project_id = (await create_project(api, [partner["id"]]))["id"]
    data_dir = api.app.state.settings.data_dir
    photo = png(800, 600, "darkgreen")
    async with signed_in_partner(api, partner["id"]) as http:
        refused = await submit_page(http, project_id, [("photo.png", zip_archive(), "image/png")])
        assert refused.status_code == 415 and "application/zip" in refused.text
        assert 'aria-invalid="true"' in refused.text and "Our plan and a photo" in refused.text  # typed text kept
        assert stored_files(data_dir) == [] and staging(data_dir) == []

        sent = await submit_page(http, project_id, [("plan.pdf", PDF, "application/pdf"), ("river.png", photo, "")])
        assert sent.status_code == 303, sent.text
        page = await http.get(f"/projects/{project_id}")
        photo_sha, pdf_sha = hashlib.sha256(photo).hexdigest(), hashlib.sha256(PDF).hexdigest()
        assert f'src="/files/{photo_sha}/thumbnail"' in page.text and 'alt="Photo: river.png"' in page.text
        assert f'href="/files/{pdf_sha}"' in page.text and "plan.pdf" in page.text and "(PDF," in page.text
        assert f"sha256:{pdf_sha}" not in page.text  # a file is shown by its name, not as a link

        thumbnail = await http.get(f"/files/{photo_sha}/thumbnail")
        assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/png"
        download = await http.get(f"/files/{pdf_sha}")
        assert download.content == PDF and download.headers["content-disposition"].startswith("attachment;")
    assert stored_files(data_dir) == sorted([photo_sha, pdf_sha])
    links = (await read_project(api.http, project_id))["milestones"]["proposal"][0]["submissions"][0]["links"]
    assert links == [f"sha256:{pdf_sha}", f"sha256:{photo_sha}"]


async def test_a_partner_of_another_project_gets_the_404_page_for_its_files(api: Api) -> None:
    ours, theirs = await create_partner(api), await create_partner(api)
    project_id = (await create_project(api, [ours["id"]]))["id"]
    photo = png(colour="purple")
    async with signed_in_partner(api, ours["id"]) as http:
        assert (await submit_page(http, project_id, [("p.png", photo, "image/png")])).status_code == 303
    sha = hashlib.sha256(photo).hexdigest()
    async with signed_in_partner(api, theirs["id"]) as http:
        for path in (f"/files/{sha}", f"/files/{sha}/thumbnail"):
            answer = await http.get(path)
            assert answer.status_code == 404 and "Page not found" in answer.text, path
    assert isinstance(Path(api.app.state.settings.data_dir), Path)

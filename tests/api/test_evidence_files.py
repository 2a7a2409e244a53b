"""Evidence files on a milestone submission (issue 15): multipart on the same route as JSON, type read
from the content, kept content-addressed and deduplicated, served only to the project's parties.

End to end: the real app and worker on the dev server, SQLite and PostgreSQL, files on the test's disk.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from store.tables import EvidenceFile
from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.files_support import PDF, files_app, png, staging, stored_files, zip_archive
from tests.api.support import create_partner, create_project, ok, read_project

CAP = 300_000
SUBMIT = "/api/v1/projects/{}/milestones/proposal/submissions"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def post_files(
    http: httpx.AsyncClient, project_id: str, files: list[tuple[str, bytes, str]], for_partner: str | None = None
) -> httpx.Response:
    """The proposal with `files`; staff send it for the partner (`for_partner`: as it came by e-mail)."""
    form = {"summary": "Our proposal, with the plan and a photo", "links": "https://example.org/plan"}
    if for_partner is not None:
        form["on_behalf_of"] = for_partner
    parts = [("files", (name, data, declared)) for name, data, declared in files]
    return await http.post(SUBMIT.format(project_id), data=form, files=parts)


async def rows(api: Api, **where: Any) -> int:
    async with api.sessionmaker() as session:
        statement = select(func.count()).select_from(EvidenceFile).filter_by(**where)
        return int((await session.execute(statement)).scalar_one())


async def test_a_pdf_and_a_photo_sent_as_multipart_are_kept_once_and_served_as_attachments(
    api: Api, tmp_path: Path
) -> None:
    partner = await create_partner(api)
    project_id = (await create_project(api, [partner["id"]]))["id"]
    photo = png()
    async with files_app(api, tmp_path, CAP) as http:
        key = ok(await http.post(f"/api/v1/partners/{partner['id']}/keys", json={"label": "portal"}), 201)["key"]
        async with http_client(http._transport.app, key) as as_partner:  # type: ignore[attr-defined]
            # The names and declared types lie (a PDF called photo.jpg): the content decides.
            sent = await post_files(
                as_partner, project_id, [("plan.final.jpg", PDF, "image/jpeg"), ("../../etc/photo.png", photo, "x/y")]
            )
            milestone = ok(sent, 201)
            assert milestone["status"] == "submitted"
            links = milestone["submissions"][-1]["links"]
            assert links == ["https://example.org/plan", f"sha256:{sha(PDF)}", f"sha256:{sha(photo)}"]
            assert stored_files(tmp_path) == sorted([sha(PDF), sha(photo)])
            assert staging(tmp_path) == []

            pdf = await as_partner.get(f"/api/v1/files/{sha(PDF)}")
            assert pdf.status_code == 200 and pdf.content == PDF
            assert pdf.headers["content-type"] == "application/pdf"
            assert pdf.headers["content-disposition"].startswith("attachment;")
            assert 'filename="plan.final.jpg"' in pdf.headers["content-disposition"]
            assert pdf.headers["x-content-type-options"] == "nosniff"
            image = await as_partner.get(f"/api/v1/files/{sha(photo)}")
            assert (
                image.headers["content-type"] == "image/png"
                and 'filename="photo.png"' in image.headers["content-disposition"]
            )

            thumb = await as_partner.get(f"/api/v1/files/{sha(photo)}/thumbnail")
            assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/png"
            cached = tmp_path / "files" / "thumbnails" / sha(photo)[:2] / f"{sha(photo)}.png"
            made_at = cached.stat().st_mtime_ns
            again = await as_partner.get(f"/api/v1/files/{sha(photo)}/thumbnail")
            assert again.content == thumb.content and cached.stat().st_mtime_ns == made_at  # made once
            assert (await as_partner.get(f"/api/v1/files/{sha(PDF)}/thumbnail")).status_code == 404
    assert await rows(api, project_id=project_id, submission_number=1) == 2


async def test_the_same_bytes_sent_to_two_projects_are_one_file_on_disk(api: Api, tmp_path: Path) -> None:
    partner = await create_partner(api)
    first = (await create_project(api, [partner["id"]]))["id"]
    second = (await create_project(api, [partner["id"]]))["id"]
    photo = png(colour="orange")
    async with files_app(api, tmp_path, CAP) as http:
        ok(await post_files(http, first, [("a.png", photo, "image/png")], partner["id"]), 201)
        ok(
            await post_files(
                http, second, [("b.png", photo, "image/png"), ("again.png", photo, "image/png")], partner["id"]
            ),
            201,
        )
        assert stored_files(tmp_path) == [sha(photo)]
        assert (await read_project(http, second))["milestones"]["proposal"][0]["submissions"][0]["links"] == [
            "https://example.org/plan",
            f"sha256:{sha(photo)}",
        ]
    assert await rows(api, sha256=sha(photo)) == 2


async def test_a_file_of_the_wrong_kind_is_refused_415_naming_what_it_is_and_nothing_is_kept(
    api: Api, tmp_path: Path
) -> None:
    partner = await create_partner(api)
    project_id = (await create_project(api, [partner["id"]]))["id"]
    async with files_app(api, tmp_path, CAP) as http:
        refused = await post_files(
            http,
            project_id,
            [("ok.pdf", PDF, "application/pdf"), ("photo.png", zip_archive(), "image/png")],
            partner["id"],
        )
        assert refused.status_code == 415, refused.text
        body = refused.json()
        assert body["error"] == "UnsupportedMediaType"
        assert body["errors"][0]["field"] == "files.1"
        assert "application/zip" in body["errors"][0]["reason"]
        assert stored_files(tmp_path) == [] and staging(tmp_path) == []
        assert (await read_project(http, project_id))["milestones"]["proposal"][0]["submissions"] == []
        script = await post_files(
            http, project_id, [("notes.pdf", b"#!/bin/sh\nrm -rf /\n", "application/pdf")], partner["id"]
        )
        assert script.status_code == 415 and "not a kind of file Engage recognises" in script.text
    assert await rows(api, project_id=project_id) == 0


async def test_a_file_over_the_cap_is_refused_413_and_nothing_is_kept_or_submitted(api: Api, tmp_path: Path) -> None:
    partner = await create_partner(api)
    project_id = (await create_project(api, [partner["id"]]))["id"]
    big = PDF + b"0" * CAP  # a PDF, one cap and a bit long
    async with files_app(api, tmp_path, CAP) as http:
        refused = await post_files(
            http, project_id, [("photo.png", png(), "image/png"), ("big.pdf", big, "application/pdf")], partner["id"]
        )
        assert refused.status_code == 413, refused.text
        assert refused.json()["errors"] == [{"field": "files.1", "reason": f"the file is larger than {CAP} bytes"}]
        # A body past the route's limit (ten files at the cap, and the form) is cut off as it arrives.
        huge = b"%PDF-1.4\n" + b"0" * (CAP * 10 + 2 * 1024 * 1024)
        cut = await post_files(http, project_id, [("huge.pdf", huge, "application/pdf")], partner["id"])
        assert cut.status_code == 413 and cut.json()["errors"][0]["field"] == "body"

        async def dribble():  # no Content-Length: counted as it comes, cut off past the limit
            yield b'--b\r\nContent-Disposition: form-data; name="summary"\r\n\r\nx\r\n'
            yield f'--b\r\nContent-Disposition: form-data; name="on_behalf_of"\r\n\r\n{partner["id"]}\r\n'.encode()
            yield b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n\r\n%PDF-1.4\n'
            for _ in range(12):
                yield b"0" * (CAP + 1024 * 1024 // 4)

        headers = {"content-type": "multipart/form-data; boundary=b"}
        half = await http.post(SUBMIT.format(project_id), content=dribble(), headers=headers)
        assert half.status_code == 413, half.text
        assert stored_files(tmp_path) == [] and staging(tmp_path) == []
        assert (await read_project(http, project_id))["milestones"]["proposal"][0]["submissions"] == []
        assert ok(await post_files(http, project_id, [("p.pdf", PDF, "application/pdf")], partner["id"]), 201)
        # Elsewhere a multipart body is held to the ordinary limits, not the upload route's.
        other = await http.post(
            "/api/v1/projects", files=[("files", ("x.pdf", huge[: 5 * 1024 * 1024], "application/pdf"))]
        )
        assert other.status_code == 413


async def test_a_partner_of_another_project_gets_404_for_its_files(api: Api, tmp_path: Path) -> None:
    ours, theirs = await create_partner(api), await create_partner(api)
    project_id = (await create_project(api, [ours["id"]]))["id"]
    photo = png(colour="navy")
    async with files_app(api, tmp_path, CAP) as http:
        ok(await post_files(http, project_id, [("p.png", photo, "image/png")], ours["id"]), 201)
        key = ok(await http.post(f"/api/v1/partners/{theirs['id']}/keys", json={"label": "portal"}), 201)["key"]
        async with http_client(http._transport.app, key) as as_them:  # type: ignore[attr-defined]
            for path in (f"/api/v1/files/{sha(photo)}", f"/api/v1/files/{sha(photo)}/thumbnail"):
                refused = await as_them.get(path)
                assert refused.status_code == 404 and refused.json()["detail"] == "File not found.", path
            assert (await as_them.get(f"/api/v1/files/{sha(b'never sent')}")).status_code == 404
        assert (await http.get(f"/api/v1/files/{sha(photo)}")).status_code == 200  # staff see every project
        assert (await http.get("/api/v1/files/NOT-A-HASH")).status_code == 422
        async with http_client(http._transport.app, None) as anonymous:  # type: ignore[attr-defined]
            assert (await anonymous.get(f"/api/v1/files/{sha(photo)}")).status_code == 401
    assert ADMIN_KEY


async def test_a_retried_upload_with_the_same_idempotency_key_is_one_submission_and_one_set_of_rows(
    api: Api, tmp_path: Path
) -> None:
    partner = await create_partner(api)
    project_id = (await create_project(api, [partner["id"]]))["id"]
    photo = png(colour="olive")
    async with files_app(api, tmp_path, CAP) as http:
        http.headers["Idempotency-Key"] = "upload-once"
        files = [("plan.pdf", PDF, "application/pdf"), ("p.png", photo, "image/png")]
        first = ok(await post_files(http, project_id, files, partner["id"]), 201)
        again = ok(await post_files(http, project_id, files, partner["id"]), 201)
        assert first["submissions"] == again["submissions"] and len(again["submissions"]) == 1
        assert stored_files(tmp_path) == sorted([sha(PDF), sha(photo)]) and staging(tmp_path) == []
    assert await rows(api, project_id=project_id) == 2

"""The evidence file store and the kinds it takes (issue 15), without the app: real files on disk.

Kinds are decided from the bytes: each accepted kind is recognised from a real header (office files
as the zips they are), and what is not evidence (a plain zip, a Windows program, HTML, SVG, text,
nothing) is refused whatever it is called. Staging counts and hashes as it copies and keeps nothing
past the cap; keeping is a rename, and the same bytes twice are one file; a thumbnail is made once.
"""

from __future__ import annotations

import io
import os
import struct
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from api.files.uploads import shown_name
from store.files.blobs import FileStore, TooLarge
from store.files.kinds import media_type_of, sniffed_as


def office(parts: dict[str, str], first: tuple[str, str] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if first:
            archive.writestr(first[0], first[1], compress_type=zipfile.ZIP_STORED)
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def wav() -> bytes:
    fmt = struct.pack("<4sIHHIIHH", b"fmt ", 16, 1, 1, 8000, 8000, 1, 8)
    return b"RIFF" + struct.pack("<I", 36) + b"WAVE" + fmt + b"data" + struct.pack("<I", 0)


def image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, kind)
    return out.getvalue()


ACCEPTED = {
    "application/pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    "image/png": image("PNG"),
    "image/jpeg": image("JPEG"),
    "image/gif": image("GIF"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": office(
        {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": office(
        {"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"}
    ),
    "application/vnd.oasis.opendocument.text": office(
        {"content.xml": "<office/>"}, first=("mimetype", "application/vnd.oasis.opendocument.text")
    ),
    "audio/mpeg": b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 32,
    "audio/x-wav": wav(),
    "video/mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 16,
    "video/webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x00" * 16,
}


@pytest.mark.parametrize("expected", sorted(ACCEPTED))
def test_each_kind_of_evidence_is_recognised_from_its_bytes(expected: str) -> None:
    assert media_type_of(ACCEPTED[expected]) == expected


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (office({"run-me.sh": "echo"}), "application/zip"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64, "application/x-msdownload"),
        (b"<!doctype html><script>alert(1)</script>", "not a kind of file Engage recognises"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "not a kind of file Engage recognises"),
        (b"just some text", "not a kind of file Engage recognises"),
        (b"", "not a kind of file Engage recognises"),
    ],
)
def test_what_is_not_evidence_is_refused_and_named(content: bytes, said: str) -> None:
    assert media_type_of(content) is None
    assert sniffed_as(content) == said


def test_staging_hashes_and_counts_and_keeps_nothing_past_the_cap(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files")
    with pytest.raises(TooLarge):
        store.stage(io.BytesIO(b"x" * 2049), limit=2048)
    assert list((tmp_path / "files" / "tmp").iterdir()) == []
    staged = store.stage(io.BytesIO(ACCEPTED["application/pdf"]), limit=2048)
    assert staged.size == len(ACCEPTED["application/pdf"]) and staged.head == ACCEPTED["application/pdf"]
    assert store.keep(staged) is True
    assert store.path_of(staged.sha256).read_bytes() == ACCEPTED["application/pdf"]
    again = store.stage(io.BytesIO(ACCEPTED["application/pdf"]), limit=2048)
    assert store.keep(again) is False  # deduplicated: the staged copy is dropped
    assert list((tmp_path / "files" / "tmp").iterdir()) == []
    with pytest.raises(ValueError):
        store.path_of("../../etc/passwd")


def test_staging_sweeps_what_a_stopped_process_left_a_day_ago_and_nothing_younger(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files")
    tmp = tmp_path / "files" / "tmp"
    tmp.mkdir(parents=True)
    (tmp / "upload-left-yesterday").write_bytes(b"half")
    os.utime(tmp / "upload-left-yesterday", (time.time() - 25 * 3600,) * 2)
    (tmp / "upload-in-flight").write_bytes(b"being written")
    store.discard(store.stage(io.BytesIO(b"%PDF-1.4"), limit=2048))
    assert sorted(p.name for p in tmp.iterdir()) == ["upload-in-flight"]


def test_a_thumbnail_is_made_once_and_only_of_an_image(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files")
    out = io.BytesIO()
    Image.new("RGB", (1200, 600), "blue").save(out, "JPEG")
    photo = store.stage(io.BytesIO(out.getvalue()), limit=10**7)
    store.keep(photo)
    thumbnail = store.thumbnail(photo.sha256)
    assert thumbnail is not None
    with Image.open(thumbnail) as made:
        assert made.size == (320, 160) and made.format == "PNG"
    first = thumbnail.stat().st_mtime_ns
    assert store.thumbnail(photo.sha256) == thumbnail and thumbnail.stat().st_mtime_ns == first
    pdf = store.stage(io.BytesIO(ACCEPTED["application/pdf"]), limit=2048)
    store.keep(pdf)
    assert store.thumbnail(pdf.sha256) is None
    assert not store.thumbnail_path(pdf.sha256).exists()


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\river.jpg", "river.jpg"),
        ("a\x00b\u202e.pdf", "ab.pdf"),
        ("", "file"),
    ],
)
def test_the_name_a_file_was_sent_with_is_shown_without_paths_or_control_characters(sent: str, shown: str) -> None:
    assert shown_name(sent) == shown

"""What kinds of evidence file Engage accepts, decided from the bytes, never from the name.

`filetype` reads the first bytes (magic numbers; for office documents, the zip entries' names) and
names a media type; only the types below are kept. A name ending `.pdf` on a zip, or a script
named `photo.png`, is refused with the type the content really has. Pure: no I/O, no settings.
"""

from __future__ import annotations

import filetype  # type: ignore[import-untyped]  # no stubs; two calls, wrapped below

#: How many leading bytes decide the type (what `filetype` reads; office zips name their parts early).
HEAD_BYTES = 8192

IMAGES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/tiff", "image/bmp"})
DOCUMENTS = frozenset(
    {
        "application/pdf",
        "application/rtf",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    }
)
AUDIO = frozenset({"audio/mpeg", "audio/mp4", "audio/ogg", "audio/x-wav", "audio/x-flac", "audio/aac", "audio/x-aiff"})
VIDEO = frozenset({"video/mp4", "video/quicktime", "video/webm", "video/x-msvideo", "video/x-matroska", "video/mpeg"})
ACCEPTED = IMAGES | DOCUMENTS | AUDIO | VIDEO
#: Images Pillow makes thumbnails of (HEIC needs a plug-in Engage does not ship).
THUMBNAILED = IMAGES - {"image/heic"}

ACCEPTED_IN_WORDS = "images, PDF, office documents (Word, Excel, PowerPoint, OpenDocument, RTF), audio or video"


def media_type_of(head: bytes) -> str | None:
    """The media type the content has, if Engage accepts it; None for anything else (or unknown)."""
    kind = filetype.guess(head[:HEAD_BYTES]) if head else None
    if kind is None or kind.mime not in ACCEPTED:
        return None
    return str(kind.mime)


def sniffed_as(head: bytes) -> str:
    """What the content looks like, in words for a refusal ("application/zip", "not a known kind")."""
    kind = filetype.guess(head[:HEAD_BYTES]) if head else None
    return str(kind.mime) if kind is not None else "not a kind of file Engage recognises"

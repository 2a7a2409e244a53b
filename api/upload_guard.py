"""Multipart bodies' size: counted as they arrive, never buffered here, refused with 413 past a limit.

Why: a JSON or form body is read whole and limited by `ENGAGE_MAX_BODY_BYTES` (api.http_guards), but
uploads are larger and must not sit in memory. So a multipart body is passed through while its bytes
are counted; past the route's limit the client gets 413 at once and the app sees the client go away
(`http.disconnect`), so a half-read upload is dropped by the parser and nothing of it is kept.

The limit is per route: the milestone submission (`POST /api/v1/projects/{id}/milestones/{key}/submissions`)
and its page form take up to `MAX_FILES` evidence files of `ENGAGE_MAX_UPLOAD_BYTES` each (each file is
also checked on its own where it is read, api.files.uploads); any other multipart body (the CSV import
of respondents: a 2 MB file) at most `OTHER_MULTIPART_BYTES`, or the body limit if that is larger.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from starlette.types import Message, Receive, Send

#: Files one submission may carry (with its links, at most the workflow's 20 `links`).
MAX_FILES = 10
#: Multipart bodies elsewhere: the respondents' CSV import (2 MB) and its few fields, with room to spare.
OTHER_MULTIPART_BYTES = 4 * 1024 * 1024
EVIDENCE_UPLOAD = re.compile(r"^(?:/api/v1)?/projects/[^/]+/milestones/[^/]+/(?:submissions|submit)$")


def is_multipart(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower().startswith("multipart/")


def multipart_limit(path: str, *, max_body_bytes: int, max_upload_bytes: int) -> int:
    """The most bytes a multipart body to `path` may have."""
    if EVIDENCE_UPLOAD.match(path):
        return max_upload_bytes * MAX_FILES + max_body_bytes
    return max(max_body_bytes, OTHER_MULTIPART_BYTES)


class CountedBody:
    """`receive` and `send` for the app: the body counted; past `limit`, `refuse` answers and the app's
    own answer (to what it now sees as a client gone away) is dropped."""

    def __init__(self, limit: int, receive: Receive, send: Send, refuse: Callable[[], Awaitable[None]]) -> None:
        self.limit = limit
        self.size = 0
        self.refused = False
        self._receive = receive
        self._send = send
        self._refuse = refuse

    async def receive(self) -> Message:
        if self.refused:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self.size += len(message.get("body", b""))
            if self.size > self.limit:
                self.refused = True
                await self._refuse()
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: Message) -> None:
        if not self.refused:
            await self._send(message)

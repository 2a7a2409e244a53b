"""What every HTTP answer gets before any route runs: security headers, a body size limit, text
the API can store, and a truthful `Allow`.

A pure ASGI middleware (like `api.middleware.RequestContext`) so it also covers FastAPI's own
answers (404, 405, request validation) and the pages:

- **Headers.** `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, a `Referrer-Policy`,
  and `Cache-Control: no-store` unless the route chose its own (the stylesheet and the docs'
  assets may be cached; everything else can carry personal data). JSON answers also get a CSP
  that forbids everything, so a browser never runs or frames one.
- **Body size.** A JSON or form body larger than `max_body_bytes` is answered 413 *before* the
  app parses it: a `Content-Length` over the limit at once, a chunked body as soon as the bytes
  read pass it (it is never buffered beyond the limit). Multipart uploads are counted, not
  buffered, against a larger limit on the routes that take files (api.upload_guard), and are
  also checked where they are read.
- **Unencodable text.** JSON may spell a lone UTF-16 surrogate (`"\\ud800"`), which Python
  decodes but no database, e-mail or JSON encoder will write: such a body is answered 422 naming
  the field, on every route, public ones included. Found by a cheap scan of the raw bytes; the
  body is only parsed when the scan sees a surrogate escape. The NUL character (`"\\u0000"`, `%00`)
  likewise: PostgreSQL stores no NUL in text or JSONB, so it is answered 422 in a JSON body, a path
  or a query, rather than a 500 from the database (found by Schemathesis, issue 14).
- **OPTIONS** is answered 204 with `Allow` listing every method any route accepts on that path
  (FastAPI would answer 405 with the methods of one route only), and a 405's `Allow` is the same list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.error_shape import error_body
from api.local_time import forget_request_zone
from api.upload_guard import CountedBody, is_multipart, multipart_limit

BODY_TOO_LARGE = "The request body is larger than this API accepts ({limit} bytes)."
UNENCODABLE_TEXT = "Text the API cannot store: it holds a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff)."
UNENCODABLE_REASON = "contains a character that is not valid Unicode text (a lone surrogate)"
NUL_TEXT = "Text the API cannot store: it holds the NUL character (U+0000)."
NUL_REASON = "contains the NUL character (U+0000)"

#: Answers that may be cached: assets that never hold anyone's data.
CACHEABLE_PREFIXES = ("/static/", "/docs-assets/")
#: Methods whose JSON or form body is limited and checked here.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CANDIDATE_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_SURROGATE_ESCAPE = re.compile(rb"\\u(?:[dD][89a-fA-F][0-9a-fA-F]{2}|0000)")
_JSON_CSP = b"default-src 'none'; frame-ancestors 'none'"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _guarded_body(scope: Scope) -> bool:
    """JSON (or no content type, which FastAPI reads as JSON) and urlencoded forms are limited here."""
    if scope.get("method") not in BODY_METHODS:
        return False
    content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
    return content_type in ("", "application/x-www-form-urlencoded") or (
        content_type.startswith("application/") and content_type.endswith("json")
    )


def _lone_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def _nul(text: str) -> bool:
    return "\x00" in text


def _paths_where(value: Any, bad: Callable[[str], bool], path: str = "") -> Iterator[str]:
    """Where in a parsed JSON document a string (or key) holds text `bad` refuses."""
    if isinstance(value, str):
        if bad(value):
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if bad(str(key)):
                yield path or "body"
            else:
                yield from _paths_where(item, bad, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths_where(item, bad, f"{path}.{index}" if path else str(index))


def _refused_fields(body: bytes, bad: Callable[[str], bool]) -> list[str]:
    if not _SURROGATE_ESCAPE.search(body):
        return []
    try:
        document = json.loads(body)
    except ValueError:
        return []  # not JSON: the app's own parser answers for it
    return sorted(set(_paths_where(document, bad)))


def unencodable_fields(body: bytes) -> list[str]:
    """The fields of a JSON body that hold text no encoder will write; [] for nearly every body."""
    return _refused_fields(body, _lone_surrogate)


def nul_fields(body: bytes) -> list[str]:
    """The fields of a JSON body that hold the NUL character; [] for nearly every body."""
    return _refused_fields(body, _nul)


def nul_in_address(scope: Scope) -> list[str]:
    """`path`, and each query parameter by name, that holds the NUL character (`%00`)."""
    fields = ["path"] if "\x00" in str(scope.get("path", "")) else []
    query = bytes(scope.get("query_string") or b"")
    if b"%00" in query or b"\x00" in query:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
        fields += sorted({f"query.{name.replace(chr(0), '')}" for name, value in pairs if _nul(name + value)})
    return fields


def allowed_methods(scope: Scope) -> set[str]:
    """Every method some route accepts on this request's path (empty: no route has the path).

    Asked of the router's own matching, method by method, so included routers count too.
    """
    routes = list(getattr(getattr(scope.get("app"), "router", None), "routes", ()))
    allowed: set[str] = set()
    for method in CANDIDATE_METHODS:
        probe = {**scope, "method": method}
        for route in routes:
            match, _ = route.matches(probe)
            if match is Match.FULL:
                allowed |= {"GET", "HEAD"} if isinstance(route, Mount) else {method}
                break
    if allowed:
        allowed.add("OPTIONS")  # HEAD only where a route really answers it (static files do; API routes do not)
    return allowed


def _allow_value(methods: set[str]) -> bytes:
    return ", ".join(sorted(methods)).encode()


class HttpGuards:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int = 25 * 1024 * 1024) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # 👉 Each request starts and ends with no time zone lent (api.local_time): an in-process client
        # runs every request in one context, so one request's zone must not leak into the next.
        forget_request_zone()
        try:
            await self._guarded(scope, receive, self._with_headers(scope, send))
        finally:
            forget_request_zone()

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = nul_in_address(scope)
        if refused:
            payload = error_body(422, NUL_TEXT, [(name, NUL_REASON) for name in refused])
            await JSONResponse(payload, status_code=422)(scope, receive, send)
            return
        if scope.get("method") == "OPTIONS":
            methods = allowed_methods(scope)
            if methods:
                await Response(status_code=204, headers={"Allow": _allow_value(methods).decode()})(scope, receive, send)
                return
        if _guarded_body(scope):
            body = await self._read_limited(scope, receive, send)
            if body is None:
                return
            fields = unencodable_fields(body)
            if fields:
                payload = error_body(422, UNENCODABLE_TEXT, [(field, UNENCODABLE_REASON) for field in fields])
                await JSONResponse(payload, status_code=422)(scope, receive, send)
                return
            fields = nul_fields(body)
            if fields:
                payload = error_body(422, NUL_TEXT, [(field, NUL_REASON) for field in fields])
                await JSONResponse(payload, status_code=422)(scope, receive, send)
                return
            receive = _replay(body, receive)
        elif scope.get("method") in BODY_METHODS and is_multipart(_header(scope, b"content-type") or ""):
            await self._counted(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A multipart body: passed on as it comes, 413 once past its route's limit (api.upload_guard)."""
        limit = multipart_limit(
            str(scope.get("path", "")), max_body_bytes=self.max_body_bytes, max_upload_bytes=self.max_upload_bytes
        )
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send, limit)
            return
        body = CountedBody(limit, receive, send, lambda: self._too_large(scope, receive, send, limit))
        try:
            await self.app(scope, body.receive, body.send)
        except Exception:
            if not body.refused:
                raise  # 👉 refused: the app only failed to read what we cut off; the 413 is sent

    async def _read_limited(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The whole body, or None once a 413 has been sent (never reading past the limit)."""
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(chunks)  # the app sees the disconnect when it reads again
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._too_large(scope, receive, send)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int | None = None) -> None:
        limit = limit or self.max_body_bytes
        detail = BODY_TOO_LARGE.format(limit=limit)
        body = error_body(413, detail, [("body", f"larger than {limit} bytes")])
        # 👉 Connection: close, so the server does not try to read the rest of an unread body.
        await JSONResponse(body, status_code=413, headers={"Connection": "close"})(scope, receive, send)

    def _with_headers(self, scope: Scope, send: Send) -> Send:
        path = str(scope.get("path", ""))
        cacheable = path.startswith(CACHEABLE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {key.lower() for key, _ in headers}
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                wanted = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                if not cacheable:
                    wanted.append((b"cache-control", b"no-store"))
                if content_type.startswith(b"application/json") or content_type.startswith(b"application/problem"):
                    wanted.append((b"content-security-policy", _JSON_CSP))
                headers += [(key, value) for key, value in wanted if key not in present]
                if message["status"] == 405:
                    methods = allowed_methods(scope)
                    if methods:
                        headers = [(k, v) for k, v in headers if k.lower() != b"allow"]
                        headers.append((b"allow", _allow_value(methods)))
                message["headers"] = headers
            await send(message)

        return send_with_headers


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then whatever the server says next."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay

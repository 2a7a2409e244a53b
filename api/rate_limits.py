"""Rate limits: the public application form, sign-in, survey links and key-authenticated writes.

Why here, as one pure ASGI middleware, and not a dependency on each route: a request over its limit
is answered before anything reads its body or touches the database, pages and JSON routes are
limited by the same table, and a route added under a limited path is limited without remembering
to. `LIMITED` says what is limited and by what (the `limits` library, moving windows):

- a public application (`POST` the JSON route or the form): per client address, and per programme
  year from all addresses together (a flood spread over many addresses is still bounded);
- a sign-in attempt (`POST /sign-in`): per client address;
- asking for an e-mailed sign-in link (`POST /sign-in/email`) or using one (`GET /sign-in/link/{token}`):
  per client address (and at most a few links per account per 15 minutes, api.accounts.sign_in);
- a survey link (`/s/{token}...`, `/api/v1/surveys/{token}...`, any method): per token, and per
  client address over all tokens (so guessing tokens is bounded too);
- a private calendar feed (`/calendar/{token}.ics`): as a survey link, per token and per address;
- any other `POST`/`PUT`/`PATCH`/`DELETE` carrying `Authorization: Bearer <key>`: per key (a hash of
  it; an office's staff share one address, so never per address).

Over a limit: 429 with `Retry-After` (whole seconds), in the one error shape (`TooManyRequests`)
for JSON, in words for a page (English and Welsh for the survey pages). Counts live in
`ENGAGE_RATE_LIMIT_STORAGE`: `memory://` (the default) is per replica, so N replicas allow N times
each limit (README, "How to scale"); a `limits` Redis URI shares them. The client address is the
connection's peer; `X-Forwarded-For` is believed only from `ENGAGE_TRUSTED_PROXIES`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Receive, Scope, Send

from api.rate_limit_answers import answer
from api.settings import ApiSettings

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Limited:
    """One kind of limited request: its path, the methods limited, and what each limit counts by."""

    name: str
    pattern: re.Pattern[str]
    methods: frozenset[str] | None  # None: every method
    #: (setting name, what it counts by: "address" or the pattern's group naming the target)
    limits: tuple[tuple[str, str], ...]


LIMITED: tuple[Limited, ...] = (
    Limited(
        "applications",
        re.compile(
            r"^/(?:api/v1/exchange/programmes/(?P<year>[^/]+)/applications|exchange/(?P<form_year>[^/]+)/apply)/?$"
        ),
        frozenset({"POST"}),
        (("rate_limit_applications", "address"), ("rate_limit_applications_per_programme", "year")),
    ),
    Limited("sign_in", re.compile(r"^/sign-in/?$"), frozenset({"POST"}), (("rate_limit_sign_in", "address"),)),
    # Asking for an e-mailed sign-in link, and using one (guessing links is bounded too); per address, as the
    # link request's e-mail address is in the body (api.accounts.sign_in limits links per account itself).
    Limited(
        "sign_in_link",
        re.compile(r"^/sign-in/(?:email|link/[^/]+)/?$"),
        frozenset({"GET", "POST"}),
        (("rate_limit_sign_in_link", "address"),),
    ),
    Limited(
        "survey",
        re.compile(r"^/(?:s|api/v1/surveys)/(?P<token>[^/]+)(?:/.*)?$"),
        None,
        (("rate_limit_survey_token", "token"), ("rate_limit_survey_address", "address")),
    ),
    # A private calendar feed: its token is the credential, limited as a survey link's is (issue 15).
    Limited(
        "calendar",
        re.compile(r"^/calendar/(?P<token>[^/]+)\.ics$"),
        None,
        (("rate_limit_survey_token", "token"), ("rate_limit_survey_address", "address")),
    ),
)
KEY_WRITES = (("rate_limit_key_writes", "key"),)


def bearer_key(scope: Scope) -> str | None:
    """The key a request presents (checked later by `api.auth`), or None."""
    for name, value in scope.get("headers") or ():
        if name.lower() == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            return key.strip() or None if scheme.lower() == "bearer" else None
    return None


def classify(method: str, path: str, has_key: bool) -> tuple[str, re.Match[str] | None, tuple[tuple[str, str], ...]]:
    """Which limits a request falls under: (kind, the path's match, limits); kind "" when none."""
    for limited in LIMITED:
        if limited.methods is None or method in limited.methods:
            match = limited.pattern.match(path)
            if match is not None:
                return limited.name, match, limited.limits
    if has_key and method in WRITES:
        return "key_writes", None, KEY_WRITES
    return "", None, ()


def trusted_networks(setting: str) -> tuple[Network, ...]:
    """`ENGAGE_TRUSTED_PROXIES` parsed; a malformed entry fails at start, not on a request."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in setting.split(",") if part.strip())


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(scope: Scope, trusted: Sequence[Network]) -> str:
    """The connection's peer; behind a trusted proxy, the nearest address in X-Forwarded-For that is not
    itself a trusted proxy (read right to left: only the proxies' own additions are believed)."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    peer_ip = _address(peer)
    if not trusted or peer_ip is None or not any(peer_ip in net for net in trusted):
        return str(peer)
    forwarded = [
        value.decode("latin-1") for name, value in scope.get("headers") or () if name.lower() == b"x-forwarded-for"
    ]
    hops = [hop.strip() for line in forwarded for hop in line.split(",") if hop.strip()]
    for hop in reversed(hops):
        hop_ip = _address(hop)
        if hop_ip is None:
            return str(peer)  # a garbled header: count the proxy itself, never a made-up name
        if not any(hop_ip in net for net in trusted):
            return str(hop_ip)
    return str(peer)


class RateLimiter:
    """The limits of one app, parsed once from settings; counts in the configured storage."""

    def __init__(self, settings: ApiSettings) -> None:
        self.enabled = settings.rate_limits_enabled
        self.trusted = trusted_networks(settings.trusted_proxies)
        names = {name for limited in LIMITED for name, _ in limited.limits} | {name for name, _ in KEY_WRITES}
        self.items: dict[str, list[RateLimitItem]] = {name: parse_many(getattr(settings, name)) for name in names}
        storage = settings.rate_limit_storage
        self.limiter = MovingWindowRateLimiter(
            storage_from_string(storage if storage.startswith("async+") else f"async+{storage}")
        )

    async def retry_after(self, scope: Scope) -> int | None:
        """None when the request may go on; else whole seconds until it may be sent again."""
        if not self.enabled or scope["type"] != "http":
            return None
        key = bearer_key(scope)
        kind, match, limits = classify(scope["method"], scope["path"], key is not None)
        waits: list[int] = []
        for setting, by in limits:
            if by == "address":
                who = client_address(scope, self.trusted)
            elif by == "key":
                who = hashlib.sha256((key or "").encode()).hexdigest()[:32]
            else:
                assert match is not None  # a target is always a group of the path that matched
                groups = match.groupdict()
                target = groups.get(by) or groups.get(f"form_{by}") or ""
                # 👉 A survey token is a credential: counted by its hash, so no store ever holds it.
                who = hashlib.sha256(target.encode()).hexdigest()[:32] if by == "token" else target
            for item in self.items[setting]:
                if not await self.limiter.hit(item, kind, by, who):
                    stats = await self.limiter.get_window_stats(item, kind, by, who)
                    waits.append(max(1, math.ceil(stats.reset_time - time.time())))
        return max(waits) if waits else None


class RateLimitGuard:
    """Pure ASGI: a request over a limit is answered 429 before the app reads a byte of its body."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        seconds = await self.limiter.retry_after(scope)
        if seconds is None:
            await self.app(scope, receive, send)
            return
        kind, _, _ = classify(scope["method"], scope["path"], bearer_key(scope) is not None)
        await answer(scope, seconds, kind)(scope, receive, send)


def _document(spec: dict[str, Any]) -> None:
    """429 on every operation a limit can answer: any write, as any request may carry a key over its limit."""
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            kind, _, _ = classify(method.upper(), path, has_key=True)
            if kind:
                operation.setdefault("responses", {})["429"] = {
                    "description": "Too many requests: wait the seconds in `Retry-After`, then try again.",
                    "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
                }


def install_rate_limits(app: FastAPI, settings: ApiSettings) -> None:
    """Add the guard (call before `HttpGuards` is added, so its headers cover a 429 too) and document 429."""
    app.state.rate_limiter = RateLimiter(settings)
    app.add_middleware(RateLimitGuard, limiter=app.state.rate_limiter)
    generate: Callable[[], dict[str, Any]] = app.openapi
    documented: set[int] = set()

    def openapi() -> dict[str, Any]:
        spec = generate()  # generated once and cached by api.openapi_doc: completed here once
        if id(spec) not in documented:
            _document(spec)
            documented.add(id(spec))
        return spec

    app.openapi = openapi  # type: ignore[method-assign]

"""Signed session cookies, CSRF tokens and flash messages for the web pages (stdlib `hmac` only).

A signed token that names a server-side session row: any replica accepts a cookie another one
issued (the signature), and signing out ends the session for good (the row, `web_session`, is
deleted, so a copy of the old cookie is refused by every replica). The cookie holds
`v1.<payload>.<signature>`, where the payload names the session row, the API key's *id* (never
the key itself), a fingerprint of the key's hash, and an expiry; the signature is HMAC-SHA256
under the server secret. Every request re-reads the key row and the session row, so revoking a
key or signing out ends the session at once, on every replica.

The secret (`session_secret`): `ENGAGE_SESSION_SECRET` if set; otherwise derived from
`ENGAGE_ADMIN_KEY`, so replicas configured with the same admin key agree without another setting
(and rotating the admin key signs everyone out); with neither, a random secret per process.

CSRF: every form of a signed-in page carries `hmac(secret, "csrf" | session token)`, checked on
POST, on top of `SameSite=Strict`. The sign-in form, which has no session yet, is bound the same
way to a random pre-session cookie, so another site cannot sign a browser in under its own key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Literal

from starlette.responses import Response

from api.settings import ApiSettings

SESSION_COOKIE = "engage_session"
PRE_SESSION_COOKIE = "engage_presession"
FLASH_COOKIE = "engage_flash"
#: How long a sign-in lasts, whatever the browser does with the cookie.
SESSION_SECONDS = 12 * 60 * 60
#: A flash message lives until the page after the redirect reads it, or this long.
FLASH_SECONDS = 60

_SESSION_CONTEXT = b"engage-session-v1"


def session_secret(settings: ApiSettings) -> bytes:
    """The secret that signs sessions; see the module docstring for where it comes from."""
    if settings.session_secret is not None:
        return hashlib.sha256(settings.session_secret.get_secret_value().encode("utf-8")).digest()
    if settings.admin_key is not None:
        return hmac.new(settings.admin_key.get_secret_value().encode("utf-8"), _SESSION_CONTEXT, "sha256").digest()
    return secrets.token_bytes(32)


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class SessionClaims:
    session_id: str
    key_id: str
    key_fingerprint: str
    expires_at: int


@dataclass(frozen=True, slots=True)
class Flash:
    kind: Literal["success", "error"]
    text: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs and verifies the page cookies and tokens under one secret. Holds no other state."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, purpose: str, message: str) -> str:
        return _b64(hmac.new(self._secret, f"{purpose}|{message}".encode(), "sha256").digest())

    def key_fingerprint(self, key_hash: str) -> str:
        """Binds a session to the key as issued: a key id reused by another key would not match."""
        return self._mac("key", key_hash)[:22]

    def _seal(self, purpose: str, payload: dict[str, object]) -> str:
        body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        return f"v1.{body}.{self._mac(purpose, body)}"

    def _open(self, purpose: str, token: str | None) -> dict[str, object] | None:
        if not token or len(token) > 2048:
            return None
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != "v1":
            return None
        if not hmac.compare_digest(parts[2], self._mac(purpose, parts[1])):
            return None
        try:
            payload = json.loads(_unb64(parts[1]))
        except (ValueError, binascii.Error):
            return None
        return payload if isinstance(payload, dict) else None

    def session_token(self, session_id: str, key_id: str, key_hash: str, *, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        payload: dict[str, object] = {
            "s": session_id,
            "k": key_id,
            "f": self.key_fingerprint(key_hash),
            "e": issued + SESSION_SECONDS,
            # A nonce: two sign-ins never share a token, so never a CSRF token either.
            "n": secrets.token_urlsafe(8),
        }
        return self._seal("session", payload)

    def read_session(self, token: str | None, *, now: float | None = None) -> SessionClaims | None:
        """The claims of a genuine, unexpired session token; None for anything else."""
        payload = self._open("session", token)
        if payload is None:
            return None
        session_id, key_id = payload.get("s"), payload.get("k")
        fingerprint, expires_at = payload.get("f"), payload.get("e")
        if not isinstance(session_id, str) or not isinstance(key_id, str):
            return None  # a token from before server-side sessions names no row: sign in again
        if not isinstance(fingerprint, str) or not isinstance(expires_at, int):
            return None
        if expires_at <= (time.time() if now is None else now):
            return None
        return SessionClaims(session_id=session_id, key_id=key_id, key_fingerprint=fingerprint, expires_at=expires_at)

    def csrf_token(self, binding: str) -> str:
        """The token a form must echo: bound to the session token (or the pre-session cookie)."""
        return self._mac("csrf", binding)

    def csrf_ok(self, binding: str | None, submitted: str | None) -> bool:
        if not binding or not submitted:
            return False
        return hmac.compare_digest(self.csrf_token(binding), submitted)

    def flash(self, flash: Flash) -> str:
        return self._seal("flash", {"k": flash.kind, "t": flash.text, "e": int(time.time()) + FLASH_SECONDS})

    def read_flash(self, token: str | None) -> Flash | None:
        payload = self._open("flash", token)
        if payload is None:
            return None
        kind, text, expires_at = payload.get("k"), payload.get("t"), payload.get("e")
        if kind not in ("success", "error") or not isinstance(text, str) or not isinstance(expires_at, int):
            return None
        if expires_at <= time.time():
            return None
        return Flash(kind="success" if kind == "success" else "error", text=text)


def set_session_cookie(response: Response, token: str, *, secure: bool) -> None:
    """Sign the browser in (a key's form or an e-mailed link alike): the session cookie, strict and
    out of scripts' reach, and the sign-in form's pre-session cookie dropped. `secure`: served over https."""
    response.set_cookie(
        SESSION_COOKIE, token, max_age=SESSION_SECONDS, path="/", httponly=True, samesite="strict", secure=secure
    )
    response.delete_cookie(PRE_SESSION_COOKIE, path="/", httponly=True, samesite="strict")

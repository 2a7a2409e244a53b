"""Personal survey links, sealed: the outbox keeps what staff may read, the link travels encrypted.

A survey e-mail's `body` is rendered with `SURVEY_LINK` / `OPT_OUT_LINK` in place of the respondent's
links, so the outbox page and `GET /api/v1/outbox` never show a working token. The real link sits beside
it in `outbox_email.sealed_link`, AES-256-GCM encrypted (`cryptography`), bound to the row's dedupe key
(associated data) so a sealed link copied onto another row does not open. Delivery unseals it into the
e-mail it sends, then the column is set to NULL: sent, failed and cancelled rows keep no link.

Keys come from `ENGAGE_OUTBOX_KEY`: one or more comma-separated base64url 32-byte keys; the first
seals, all unseal (rotation). Each sealed value names its key by id (`v1.<key id>.<nonce+ciphertext>`).
Unset, a key is made for this process only: links queued by it cannot be delivered after a restart
(delivery marks such a row failed). `make run` generates a key into `.data/outbox_key`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

#: What staff read in place of a respondent's survey link and opt-out link.
SURVEY_LINK = "[personal survey link]"
OPT_OUT_LINK = "[personal opt-out link]"

_FORMAT = "v1"
#: A working survey link in text (for redacting bodies written before links were sealed).
_CLEAR_LINK = re.compile(r"\S*/s/[A-Za-z0-9_-]{16,}(/opt-out)?")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_key() -> str:
    """A fresh key in the form `ENGAGE_OUTBOX_KEY` takes."""
    return _b64(os.urandom(32))


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"engage-outbox-key:" + key).hexdigest()[:8]


@dataclass(frozen=True)
class LinkSeal:
    """Seals and unseals personal links; `keys[0]` seals."""

    keys: tuple[bytes, ...]

    @classmethod
    def from_setting(cls, setting: str | None) -> LinkSeal:
        """Keys from `ENGAGE_OUTBOX_KEY`; unset or blank: this process's own key."""
        if not setting or not setting.strip():
            return process_seal()
        keys: list[bytes] = []
        for part in setting.split(","):
            try:
                key = _unb64(part.strip())
            except (binascii.Error, ValueError) as exc:
                raise ValueError("ENGAGE_OUTBOX_KEY: each key must be base64url") from exc
            if len(key) != 32:
                raise ValueError("ENGAGE_OUTBOX_KEY: each key must be 32 bytes (AES-256), base64url")
            keys.append(key)
        return cls(tuple(keys))

    def seal(self, link: str, bound_to: str) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self.keys[0]).encrypt(nonce, link.encode(), bound_to.encode())
        return f"{_FORMAT}.{_key_id(self.keys[0])}.{_b64(nonce + sealed)}"

    def unseal(self, sealed: str, bound_to: str) -> str | None:
        """The link, or None when no key of ours sealed it (or it was tampered with or moved)."""
        version, _, rest = sealed.partition(".")
        key_id, _, data = rest.partition(".")
        if version != _FORMAT or not data:
            return None
        for key in self.keys:
            if _key_id(key) != key_id:
                continue
            try:
                raw = _unb64(data)
                return AESGCM(key).decrypt(raw[:12], raw[12:], bound_to.encode()).decode()
            except (InvalidTag, binascii.Error, ValueError):
                return None
        return None


@cache
def process_seal() -> LinkSeal:
    """A key for this process alone, when `ENGAGE_OUTBOX_KEY` is unset (tests, one-process runs)."""
    return LinkSeal((os.urandom(32),))


def personal_body(body: str, link: str) -> str:
    """The body as the respondent receives it: the placeholders replaced by their links."""
    return body.replace(OPT_OUT_LINK, f"{link}/opt-out").replace(SURVEY_LINK, link)


def redact_links(body: str) -> str:
    """A body with any working survey link replaced by the placeholders (rows from before sealing)."""
    return _CLEAR_LINK.sub(lambda m: OPT_OUT_LINK if m.group(1) else SURVEY_LINK, body)

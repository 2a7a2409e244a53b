"""Hashes that stand in for personal data: a person across projects, a survey token.

A raw survey token is never stored or logged, only `hash_token(raw)` (sha256 hex). A person is known
across projects only by `email_hash` (sha256 of the trimmed, lower-cased address): global suppression,
the fatigue cap and one application per person per year key on it.
"""

from __future__ import annotations

import hashlib
import secrets


def email_hash(address: str) -> str:
    """The sha256 hex of the trimmed, lower-cased address: how a person is matched across projects."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


def new_token() -> str:
    """A fresh raw survey token: 192 random bits, URL-safe. Only its hash is ever stored."""
    return secrets.token_urlsafe(24)


def hash_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()

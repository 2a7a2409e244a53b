"""Calendars (issue 15): each person's private feed, and the version of every dated thing a calendar shows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.tables.base import Base


class CalendarFeed(Base):
    """One private iCalendar feed per principal (`owner_key_id`: a key's id, or `user:{id}` for a person).

    Only the sha256 of the feed's token is stored: the URL is shown once, and a new one replaces
    (revokes) the old. The feed shows what its owner may see now, so it dies with the owner's key.
    """

    __tablename__ = "calendar_feed"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4().hex
    owner_key_id: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class CalendarItem(Base):
    """The RFC 5545 SEQUENCE of every event a calendar has shown, by its UID.

    Why a table: calendars update an event only when its SEQUENCE grows, and the read model keeps no
    history of a date's moves. `fingerprint` is a hash of what the event says (times, title, place,
    status); when it differs from the stored one the sequence grows by one and `changed_at` (the
    event's DTSTAMP and LAST-MODIFIED) moves. Ids and a hash only, never what the event says.
    """

    __tablename__ = "calendar_item"

    uid: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    changed_at: Mapped[datetime]

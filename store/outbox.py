"""What every feature's e-mail writes share: a rendered message.

Each feature queues its own e-mails into the `outbox_email` table (store.projects.writes_mail,
store.surveys.writes_wave_mail, store.exchange.writes_mail); rendering is injected by the activities,
which own the templates.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str

"""A real SMTP server for tests: aiosmtpd on loopback that keeps what it accepts.

Two addresses are special so tests can exercise refusals: REFUSED gets a permanent 550 and
DEFERRED a temporary 450.
"""

from __future__ import annotations

import email
import email.utils
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

REFUSED = "nobody@harbour.example"
DEFERRED = "busy@dockside.example"


@dataclass
class Collector:
    """An aiosmtpd handler that keeps what it accepts and refuses two known addresses."""

    messages: list[Message] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address == REFUSED:
            return "550 5.1.1 No such mailbox"
        if address == DEFERRED:
            return "450 4.2.1 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"

    def recipients(self) -> list[str]:
        return sorted(email.utils.parseaddr(m["To"])[1] for m in self.messages)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SmtpServer:
    collector: Collector
    port: int

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?starttls=false"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    collector = Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(collector, port)
    finally:
        controller.stop()

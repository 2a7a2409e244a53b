"""A real HTTP receiver on loopback for webhook tests: an aiohttp server on a real socket, no mock.

It records every request (path, headers, raw body) in arrival order and answers what `answer` says:
the tests make it fail (503) during an outage, then accept (200).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int


Answer = Callable[[], Awaitable[int]]


async def _ok() -> int:
    return 200


@dataclass
class Receiver:
    url: str
    answer: Answer = _ok
    requests: list[Received] = field(default_factory=list)

    def accepted(self, path: str) -> list[Received]:
        """The requests to `path` answered 2xx, first arrival of each `webhook-id` only, in order."""
        seen: set[str] = set()
        found: list[Received] = []
        for r in self.requests:
            if r.path == path and 200 <= r.answered < 300 and r.headers["webhook-id"] not in seen:
                seen.add(r.headers["webhook-id"])
                found.append(r)
        return found


@asynccontextmanager
async def receiver() -> AsyncIterator[Receiver]:
    """A receiver listening on 127.0.0.1 (a free port) for as long as the block runs."""
    state = Receiver(url="")

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        status = await state.answer()
        state.requests.append(
            Received(
                path=request.path,
                headers={k.lower(): v for k, v in request.headers.items()},
                body=body,
                answered=status,
            )
        )
        return web.Response(status=status)

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    state.url = f"http://127.0.0.1:{port}"
    try:
        yield state
    finally:
        await runner.cleanup()

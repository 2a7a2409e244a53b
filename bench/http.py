"""The benchmark's HTTP client: keep-alive HTTP/1.1 over loopback with aiohttp, as thin as we can get.

The client is the measuring instrument, not Engage: its own per-request work lands in every
latency figure. Measured here (a paced GET of a route that returns a constant): httpx 2.9 ms,
aiohttp 1.2 ms, a hand-written socket client 0.8 ms; aiohttp's C parser keeps the instrument's
share small without hand-written HTTP. The interface is the little the benchmarks use.
"""

from __future__ import annotations

import json as jsonlib
from dataclasses import dataclass
from typing import Any

import aiohttp

HTTP_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Reply:
    method: str
    url: str
    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)


class HttpClient:
    """Requests to one base URL with one bearer key, over a pool of keep-alive connections."""

    def __init__(self, base_url: str, key: str, *, connections: int = 100) -> None:
        self._session = aiohttp.ClientSession(
            base_url=base_url,
            headers={"Authorization": f"Bearer {key}"},
            connector=aiohttp.TCPConnector(limit=connections),
            timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S),
        )

    async def request(self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None) -> Reply:
        query = {k: str(v).lower() if isinstance(v, bool) else v for k, v in (params or {}).items()}
        async with self._session.request(method, path, json=json, params=query) as response:
            return Reply(method, str(response.url), response.status, await response.read())

    async def get(self, path: str, *, params: dict[str, Any] | None = None) -> Reply:
        return await self.request("GET", path, params=params)

    async def post(self, path: str, *, json: Any = None) -> Reply:
        return await self.request("POST", path, json=json)

    async def aclose(self) -> None:
        await self._session.close()


def ok(reply: Reply, status: int) -> Any:
    """The JSON body of a reply with the expected status; anything else stops the benchmark."""
    if reply.status_code != status:
        raise RuntimeError(f"{reply.method} {reply.url}: {reply.status_code} {reply.text}")
    return reply.json() if reply.content else None

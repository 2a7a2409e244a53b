"""A loopback TCP proxy that a test can cut and restore: a database outage on demand.

The worker is pointed at the proxy instead of PostgreSQL. `cut()` resets every open connection
(as a crashed or restarted server would) and, until `restore()`, resets each new one as soon as it
arrives, so every query and every reconnect attempt fails at once. Counts of what it did are kept
for the test's summary.
"""

from __future__ import annotations

import asyncio
import contextlib


class CuttableProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.down = False
        self.port = 0
        self.outages = 0
        self.severed = 0  # open connections reset by a cut
        self.refused = 0  # connection attempts reset while down

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def cut(self) -> None:
        """From now on the database is unreachable: open connections reset, new ones refused."""
        self.outages += 1
        self.severed += len(self._open) // 2  # each connection is a client side and a server side
        self._reset_all()

    def restore(self) -> None:
        self.down = False

    async def close(self) -> None:
        self._reset_all()
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _reset_all(self) -> None:
        self.down = True
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self.down:
            self.refused += 1
            client_writer.transport.abort()
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(*self._target)
        except OSError:
            client_writer.transport.abort()
            return
        self._open.update((client_writer, server_writer))
        pumps = [
            asyncio.create_task(self._pump(client_reader, server_writer, client_writer)),
            asyncio.create_task(self._pump(server_reader, client_writer, server_writer)),
        ]
        self._tasks.update(pumps)
        for pump in pumps:
            pump.add_done_callback(self._tasks.discard)

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: asyncio.StreamWriter
    ) -> None:
        """Copy one direction until either side goes away, then drop both."""
        try:
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            for side in (writer, peer):
                self._open.discard(side)
                with contextlib.suppress(Exception):
                    side.transport.abort()

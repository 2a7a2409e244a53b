"""Group commit: items of work that arrive together are written in one transaction, in one call.

When hundreds of follow-up waves fall due at the same instant, each wave's activity alone is a
dozen statements and a commit; on SQLite (one writer, FULL sync) the commits and the writer lock
set the pace, and everywhere the statements cost the worker's CPU. Here callers queue their item;
whoever finds no write under way takes everything queued so far (up to `max_items`), hands the
whole batch to `write` (which can then use set-based statements) in one transaction, commits, and
passes the writer's turn to the next caller still waiting. A lone caller never waits for company:
batches form only from work already queued while the previous batch was being written.

An item that fails must not fail its neighbours: if the batch raises, it is rolled back whole and
each of its items is written again in a transaction of its own, so each caller gets its own
result or its own exception. `write` must therefore be safe to run again after a rollback, which
every wave write is (store.surveys.writes_wave_open claims rows before it sends anything).

This is the one module in store/ that commits, on purpose: store/__init__'s rule is that the caller
owns the transaction, and for a batch the caller is this class, acting for all the activities whose
items it holds (no single activity can own a transaction shared with its neighbours). `write` itself
follows the rule and never commits.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class _Pending(Generic[T, R]):
    item: T
    done: asyncio.Future[R] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


@dataclass
class GroupCommitStats:
    """What the batches looked like: transactions committed and items written (for logs and tests)."""

    transactions: int = 0
    items: int = 0
    largest: int = 0
    split_after_failure: int = 0


class GroupCommit(Generic[T, R]):
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        write: Callable[[AsyncSession, Sequence[T]], Awaitable[Sequence[R]]],
        *,
        max_items: int = 100,
    ) -> None:
        """`write(session, items)` returns one result per item, in order, without committing."""
        self._sessionmaker = sessionmaker
        self._write = write
        self._max_items = max_items
        self._queue: deque[_Pending[T, R]] = deque()
        self._writer = asyncio.Lock()  # FIFO: waiters take their turn in the order they came
        self.stats = GroupCommitStats()

    async def run(self, item: T) -> R:
        """Write `item`, in a transaction shared with whatever else is queued; return its result."""
        pending: _Pending[T, R] = _Pending(item)
        self._queue.append(pending)
        try:
            async with self._writer:
                while not pending.done.done():
                    await self._write_batch(pending)
        except BaseException:
            # Cancelled while waiting or writing: this item must not be written (or committed) after all.
            if pending in self._queue:
                self._queue.remove(pending)
            pending.done.cancel()
            raise
        return pending.done.result()

    async def run_alone(self, item: T) -> R:
        """Write `item` in a transaction of its own, now, beside any batch (for work that must not
        be batched, such as an ordinary activity whose heartbeats must stay its own)."""
        async with self._sessionmaker.begin() as session:
            (result,) = await self._write(session, [item])
        self._record(1)
        return result

    async def _write_batch(self, own: _Pending[T, R]) -> None:
        batch = [self._queue.popleft() for _ in range(min(len(self._queue), self._max_items))]
        try:
            try:
                async with self._sessionmaker.begin() as session:
                    results = await self._write(session, [p.item for p in batch])
            except Exception as exc:
                if len(batch) == 1:
                    if not batch[0].done.done():
                        batch[0].done.set_exception(exc)
                    return
                # Rolled back whole: give every item of it a transaction (and an outcome) of its own.
                self.stats.split_after_failure += 1
                for pending in batch:
                    await self._write_alone(pending)
                return
        except BaseException:
            # The writer was cancelled (in the batch, or while retrying it item by item): whatever of
            # the others has no outcome yet goes back to the front of the queue, where their callers,
            # still waiting for the writer, find it. Its own item is the caller's to cancel.
            for pending in reversed(batch):
                if pending is not own and not pending.done.done():
                    self._queue.appendleft(pending)
            raise
        self._record(len(batch))
        for pending, result in zip(batch, results, strict=True):
            if not pending.done.done():
                pending.done.set_result(result)

    async def _write_alone(self, pending: _Pending[T, R]) -> None:
        try:
            result = await self.run_alone(pending.item)
        except Exception as exc:
            if not pending.done.done():
                pending.done.set_exception(exc)
            return
        if not pending.done.done():
            pending.done.set_result(result)

    def _record(self, items: int) -> None:
        self.stats.transactions += 1
        self.stats.items += items
        self.stats.largest = max(self.stats.largest, items)

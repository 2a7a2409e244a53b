"""store.group_commit on both databases: work that arrives together shares one transaction and one
call, every caller gets its own outcome, a failing item costs its neighbours nothing, and a
cancelled writer hands its batch on without committing its own item.

The first item is held open on an event so the others queue behind it: that makes the batches of
each test exact instead of a matter of timing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.group_commit import GroupCommit
from store.tables import SurveySuppression
from tests.store.survey_builders import Sessions

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)


class Writes:
    """A batch writer: inserts one row per item; may hold on an item, or refuse one."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.hold: dict[str, asyncio.Event] = {}
        self.reached: dict[str, asyncio.Event] = {}
        self.refuse: set[str] = set()

        self.hold_alone_only: set[str] = set()

    def holding(self, item: str, *, alone_only: bool = False) -> asyncio.Event:
        """Hold the write of `item` until the event is set (`alone_only`: only when written on its own)."""
        self.reached[item] = asyncio.Event()
        self.hold[item] = asyncio.Event()
        if alone_only:
            self.hold_alone_only.add(item)
        return self.hold[item]

    async def __call__(self, session: AsyncSession, items: Sequence[str]) -> list[str]:
        self.batches.append(list(items))
        for item in items:
            await session.execute(insert(SurveySuppression).values(email_hash=item, reason="bounced", created_at=NOW))
            if item in self.hold and (item not in self.hold_alone_only or len(items) == 1):
                self.reached[item].set()
                await self.hold[item].wait()
            if item in self.refuse:
                raise ValueError(f"item {item} refused")
        return [f"wrote {item}" for item in items]


async def _stored(sessionmaker: Sessions) -> set[str]:
    async with sessionmaker() as session:
        return set(await session.scalars(select(SurveySuppression.email_hash)))


async def _start(group: GroupCommit[str, str], items: Sequence[str]) -> list[asyncio.Task[str]]:
    tasks = [asyncio.create_task(group.run(item)) for item in items]
    await asyncio.sleep(0)  # every task has queued its item (run() queues before its first await)
    return tasks


async def _queued_behind(
    group: GroupCommit[str, str], writes: Writes, first: str, rest: Sequence[str]
) -> tuple[asyncio.Task[str], list[asyncio.Task[str]]]:
    """Start `first` and hold its write open while `rest` queue behind it, then let it finish: the
    writer after it finds all of `rest` waiting."""
    release = writes.holding(first)
    (leader,) = await _start(group, [first])
    await writes.reached[first].wait()
    followers = await _start(group, rest)
    release.set()
    return leader, followers


async def test_items_that_arrive_together_share_one_transaction_and_one_call(sessionmaker: Sessions) -> None:
    writes = Writes()
    group = GroupCommit(sessionmaker, writes)
    first, rest = await _queued_behind(group, writes, "u0", [f"u{i}" for i in range(1, 10)])
    results = await asyncio.gather(first, *rest)
    assert results == [f"wrote u{i}" for i in range(10)]  # each caller its own result
    assert writes.batches == [["u0"], [f"u{i}" for i in range(1, 10)]]
    assert (group.stats.transactions, group.stats.items, group.stats.largest) == (2, 10, 9)
    assert await _stored(sessionmaker) == {f"u{i}" for i in range(10)}


async def test_a_lone_item_is_written_at_once_and_batches_respect_their_size(sessionmaker: Sessions) -> None:
    writes = Writes()
    group = GroupCommit(sessionmaker, writes, max_items=3)
    assert await group.run("alone") == "wrote alone"
    first, rest = await _queued_behind(group, writes, "b0", [f"b{i}" for i in range(1, 8)])
    await asyncio.gather(first, *rest)
    assert writes.batches == [["alone"], ["b0"], ["b1", "b2", "b3"], ["b4", "b5", "b6"], ["b7"]]
    assert await _stored(sessionmaker) == {"alone", *(f"b{i}" for i in range(8))}


async def test_a_failing_item_fails_alone_and_its_neighbours_commit(sessionmaker: Sessions) -> None:
    writes = Writes()
    writes.refuse.add("f2")
    group = GroupCommit(sessionmaker, writes)
    first, rest = await _queued_behind(group, writes, "f0", ["f1", "f2", "f3"])
    outcomes = await asyncio.gather(first, *rest, return_exceptions=True)
    assert outcomes[:2] == ["wrote f0", "wrote f1"] and outcomes[3] == "wrote f3"
    assert isinstance(outcomes[2], ValueError) and "f2 refused" in str(outcomes[2])
    # The shared batch was rolled back whole; then each item was written (or refused) on its own.
    assert writes.batches == [["f0"], ["f1", "f2", "f3"], ["f1"], ["f2"], ["f3"]]
    assert group.stats.split_after_failure == 1
    assert await _stored(sessionmaker) == {"f0", "f1", "f3"}


async def test_a_lone_failure_is_not_written_twice(sessionmaker: Sessions) -> None:
    writes = Writes()
    writes.refuse.add("x")
    group = GroupCommit(sessionmaker, writes)
    outcome = await asyncio.gather(group.run("x"), return_exceptions=True)
    assert isinstance(outcome[0], ValueError)
    assert writes.batches == [["x"]]
    assert await _stored(sessionmaker) == set()


async def test_a_cancelled_writer_commits_nothing_of_its_own_and_hands_the_others_on(sessionmaker: Sessions) -> None:
    writes = Writes()
    group = GroupCommit(sessionmaker, writes)
    # c0..c3 queue while "b" is written: c0's caller then takes them all into one batch, and is
    # cancelled while writing it.
    writes.holding("c0")
    blocker, (leader, *others) = await _queued_behind(group, writes, "b", ["c0", "c1", "c2", "c3"])
    await writes.reached["c0"].wait()
    leader.cancel()
    assert await asyncio.gather(blocker, *others) == ["wrote b", "wrote c1", "wrote c2", "wrote c3"]
    assert leader.cancelled()
    assert writes.batches == [["b"], ["c0", "c1", "c2", "c3"], ["c1", "c2", "c3"]]
    assert await _stored(sessionmaker) == {"b", "c1", "c2", "c3"}


async def test_a_writer_cancelled_while_retrying_a_failed_batch_hands_the_unwritten_items_on(
    sessionmaker: Sessions,
) -> None:
    writes = Writes()
    writes.refuse.add("e2")
    group = GroupCommit(sessionmaker, writes)
    # e0's caller takes e0..e3 into one batch, which fails on e2; retrying them one by one, it
    # commits e0 and is cancelled while writing e1 alone.
    release_e1 = writes.holding("e1", alone_only=True)
    blocker, (leader, *others) = await _queued_behind(group, writes, "b", ["e0", "e1", "e2", "e3"])
    await writes.reached["e1"].wait()
    leader.cancel()
    release_e1.set()
    outcomes = await asyncio.wait_for(asyncio.gather(blocker, *others, return_exceptions=True), timeout=30)
    assert outcomes[:2] == ["wrote b", "wrote e1"] and outcomes[3] == "wrote e3"
    assert isinstance(outcomes[2], ValueError)
    assert leader.cancelled()
    assert writes.batches[:5] == [["b"], ["e0", "e1", "e2", "e3"], ["e0"], ["e1"], ["e1", "e2", "e3"]]
    assert await _stored(sessionmaker) == {"b", "e0", "e1", "e3"}

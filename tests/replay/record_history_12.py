"""Record issue 12's Knowledge Exchange shapes: `python -m tests.replay.record_history_12`.

Patches 12-placement-dates and 12-applicant-emails: a programme year where each application is
acknowledged and a started placement is moved (exchange-year-v3.json), and that placement's project,
which is told its new dates (project-placement-v3.json). Same rules as tests/replay/record_history.py:
a file that exists is left alone, never regenerated; the data is fictional.
"""

from __future__ import annotations

import asyncio
import sys

from temporalio.testing import WorkflowEnvironment

from tests.replay.record_history import HISTORIES, Histories, _record_with


async def record_exchange_year_with_a_move(version: int = 3) -> bool:
    path = HISTORIES / f"exchange-year-v{version}.json"
    if path.exists():
        return False
    from tests.workflows.test_exchange_moves_and_mail import run_year_with_a_move  # test helpers

    async def run(env: WorkflowEnvironment, task_queue: str) -> Histories:
        programme, placement = await run_year_with_a_move(env, task_queue)
        return {
            path: await programme.fetch_history(),
            HISTORIES / f"project-placement-v{version}.json": await placement.fetch_history(),
        }

    await _record_with(run)
    return True


if __name__ == "__main__":
    written = asyncio.run(record_exchange_year_with_a_move())
    sys.stdout.write(f"exchange-year-v3: {'written' if written else 'exists, left alone'}\n")

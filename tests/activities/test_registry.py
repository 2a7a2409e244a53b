"""The worker registers exactly the activity names the workflows call."""

from __future__ import annotations

from pathlib import Path

from temporalio import activity

from activities.registry import build_activities
from activities.settings import ActivitySettings
from store.session import create_engine, create_sessionmaker
from store.settings import StoreSettings
from workflows.activity_calls import ACTIVITY_NAMES


async def test_build_activities_registers_every_name_the_workflows_call(tmp_path: Path) -> None:
    engine = create_engine(StoreSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"))
    try:
        built = build_activities(create_sessionmaker(engine), ActivitySettings())
    finally:
        await engine.dispose()

    names = {activity._Definition.must_from_callable(fn).name for fn in built}
    assert names == ACTIVITY_NAMES

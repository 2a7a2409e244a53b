"""Revision 5b8e2f71c3a9 (issue 14): survey e-mails written before links were sealed lose their working
link from the body when they no longer wait to be sent; a queued one keeps it for its delivery (which
redacts it afterwards). Other e-mails are untouched. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from store.migrate import downgrade_to, upgrade_to_head
from store.session import create_engine
from store.settings import StoreSettings

CLEAR = "Dear Ada,\nhttps://engage.example/s/AbCdEfGhIjKlMnOpQrStUvWx\nOpt out: https://engage.example/s/AbCdEfGhIjKlMnOpQrStUvWx/opt-out\n"
REDACTED = "Dear Ada,\n[personal survey link]\nOpt out: [personal opt-out link]\n"
PROJECT_MAIL = "See https://engage.example/projects/p1 and https://engage.example/s/AbCdEfGhIjKlMnOpQrStUvWx\n"


async def test_old_survey_bodies_are_redacted_unless_still_queued(store_settings: StoreSettings) -> None:
    await upgrade_to_head(store_settings)
    await downgrade_to(store_settings, "7d2e4b9c1a60")
    engine = create_engine(store_settings)
    rows = [("sent", "survey", CLEAR), ("held", "survey", CLEAR), ("queued", "survey", CLEAR)]
    rows.append(("sent", "project", PROJECT_MAIL))
    try:
        async with engine.begin() as connection:
            for n, (status, kind, body) in enumerate(rows):
                await connection.execute(
                    text(
                        "INSERT INTO outbox_email (dedupe_key, event_id, audience, to_name, to_address, subject,"
                        " body, created_at, status, attempts, kind)"
                        " VALUES (:key, 'e', 'respondent', 'Ada', 'ada@respondents.example', 's', :body, :at,"
                        " :status, 0, :kind)"
                    ),
                    {"key": f"k{n}", "body": body, "at": datetime.now(UTC), "status": status, "kind": kind},
                )
        await upgrade_to_head(store_settings)
        async with engine.connect() as connection:
            result = await connection.execute(text("SELECT dedupe_key, body FROM outbox_email"))
            found: dict[str, str] = {str(key): str(body) for key, body in result.all()}
            sealed = set((await connection.execute(text("SELECT sealed_link FROM outbox_email"))).scalars())
    finally:
        await engine.dispose()
    assert found == {"k0": REDACTED, "k1": REDACTED, "k2": CLEAR, "k3": PROJECT_MAIL}
    assert sealed == {None}

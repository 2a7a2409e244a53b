"""A person's account in their export and their erasure, on SQLite and PostgreSQL: the export lists the
account and its sign-in e-mail (with no working link); erasure removes and scrubs the account, ends its
sessions, takes the name off the audit entries it made, and the export then finds only the suppression."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from store.people.erasure import ERASED, erase_person
from store.people.reads import held_about
from store.tables import AuditEntry, UserAccount, WebSession
from tests.accounts.conftest import Accounts
from tests.accounts.test_sign_in_links import ADDRESS, _path, _sam
from tests.accounts.test_users_api import _ask_for_link


async def test_an_account_is_exported_then_erased_with_its_sessions_and_audit_name(accounts: Accounts) -> None:
    user_id = await _sam(accounts)
    async with accounts.client(None) as browser:
        await _ask_for_link(browser, ADDRESS)
        [link] = accounts.links_to(ADDRESS)
        assert (await browser.get(_path(link))).status_code == 200

    async with accounts.sessionmaker() as session:
        held = await held_about(session, " Sam@Museum.example")
    assert [(a.user_id, a.name, a.email, a.role) for a in held.accounts] == [(user_id, "Sam Curator", ADDRESS, "staff")]
    assert held.accounts[0].source.table == "user_account"
    [mail] = [e for e in held.emails if e.kind == "account"]
    assert "[personal sign-in link]" in mail.body and link not in mail.body

    async with accounts.sessionmaker() as session:
        erased = await erase_person(session, ADDRESS, datetime.now(UTC))
        await session.commit()
    assert erased.counts.accounts == 1

    async with accounts.sessionmaker() as session:
        account = await session.get(UserAccount, user_id)
        sessions = await session.scalar(select(func.count()).select_from(WebSession))
        labels = set(
            await session.scalars(select(AuditEntry.actor_label).where(AuditEntry.actor_key_id == f"user:{user_id}"))
        )
        after = await held_about(session, ADDRESS)
        again = await erase_person(session, ADDRESS, datetime.now(UTC))
    assert account is not None and (account.name, account.email) == (ERASED, ERASED)
    assert account.removed_at is not None and account.email_hash == f"erased:{user_id}"
    assert sessions == 0 and labels == {ERASED}
    assert after.accounts == [] and after.emails == [] and len(after.suppressions) == 1
    assert again.counts.accounts == 0

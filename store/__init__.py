"""The database: tables, sessions, migrations, and one package per feature that reads and writes it.

Where to look (every feature has the same shape):

    store/<feature>/reads*.py    functions that only read (lists, lookups, reports); never write
    store/<feature>/writes*.py   functions that write (insert, upsert, update, delete); never commit

    feature      reads                                     writes
    partners     partners/reads.py (partners, API keys,    partners/writes.py (partners, API keys,
                 page sessions, names on timelines)        page sessions)
    projects     projects/reads.py (project list,          projects/writes.py (first row, a batch of
                 overdue, timeline, outbox list)           changes, reconcile's rewrite);
                                                           projects/writes_mail.py (its e-mails)
    surveys      surveys/reads.py (respondents, links,     surveys/writes.py (respondents, answers,
                 e-mails to withdraw);                     opt-outs, bounces); writes_wave_open.py,
                 surveys/reads_reports.py (counts,         writes_wave_remind.py, writes_wave_close.py
                 staff report, CSV)                        (the wave activities); writes_wave_mail.py
                                                           (their tokens, e-mails and reports)
    exchange     exchange/reads.py (programmes,            exchange/writes.py (programme, applications,
                 applications, placements, overdue)        placements, case studies);
                                                           exchange/writes_mail.py (applicants' e-mails)
    retention    retention/reads.py (whose data is past    retention/writes.py (a run's record, counted
                 its period; the runs recorded)            batch by batch); scrubbing is people/erasure.py
    people       people/reads.py (everything held about    people/erasure.py (scrub respondents,
                 one address, with its source)             applicants, a whole address; suppress it);
                                                           people/suppressed.py (no mail to the erased)

A side that outgrows ~300 lines is split by what its parts do, keeping the prefix
(`writes_wave_open.py`), so `ls store/<feature>` shows every read and every write.

Shared by every feature:
    tables/          the tables, one module per feature (`from store.tables import Project` works for all)
    session.py       engine, sessionmaker, `ping`;  settings.py  DATABASE_URL and friends
    migrate.py, migrations/   alembic, run from code or `python -m store.migrate`
    upserts.py       INSERT ... ON CONFLICT for SQLite and PostgreSQL (how writes stay idempotent)
    in_lists.py      bounded IN lists, and batches that share no key
    group_commit.py  many activities' items written in one transaction (see the rule below)
    outbox.py        a rendered e-mail;  hashing.py  email_hash / token hashes;  paging.py  row counts

The transaction rule: a store function takes an `AsyncSession` and never commits or rolls back.
The caller owns the unit of work and commits it once: an activity with
`async with sessionmaker.begin() as session:`, an API route or service on the request's session with
`await session.commit()` after its writes (or `sessionmaker.begin()` where it opens its own), a script
or test likewise. Writes that must surface a constraint error at the call (a partner's unique name)
`flush()`, which is not a commit. The one deliberate exception is `group_commit.GroupCommit`: it IS a
caller, the transaction owner for a batch of wave activities that fall due together, so it opens and
commits the batch's transaction itself (and retries items one by one after a rollback); the `write`
function it is given follows the rule.

No business rules here: who gets an e-mail (domain.notifications), the survey fatigue cap
(domain.fatigue), lifecycle and exchange rules (domain.rules, domain.exchange_rules) are pure functions
in domain/, unit-tested in tests/domain. store/ fetches the rows a rule needs and writes its answer.
store/ imports domain/ only (tests/test_architecture.py).
"""

"""Shared fixtures, split by concern into plugin modules so each stays small.

- tests.db_fixtures: real databases (a SQLite file per test; a fresh schema in PostgreSQL `test`).
- tests.temporal_fixtures: real Temporal servers from PyPI wheels (never downloaded at test time).
- tests.smtp_fixtures: a real SMTP server (aiosmtpd) on loopback.
"""

pytest_plugins = ["tests.db_fixtures", "tests.temporal_fixtures", "tests.smtp_fixtures"]

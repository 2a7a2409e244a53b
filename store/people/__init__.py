"""The people whose data Engage holds: what we hold about one address (`reads`) and its erasure (`erasure`).

A person is found by address: hashed columns (`respondent`, `exchange_application`) by
`store.hashing.email_hash`, clear ones (partner contact, project lead, outbox) by trimmed, lower-cased
equality. Erasure scrubs fields in place and keeps each row (and its numbers and choices), so reports
stay true; an erased row's `email_hash` becomes `erased:<row id>` (unique, matches no address), which is
also how a scrub knows a row is done. Functions run in the caller's transaction and never commit.
"""

"""Retention: `reads` (whose personal data is past its period; the runs recorded) and `writes` (a run's
row, counted batch by batch). The scrubbing itself is store.people.erasure's, shared with erasure on
request, so a retained-then-erased person and an erased one look the same. See store/__init__."""

"""Search (issue 15): one box finding projects by title, partners by name and, for staff, people
(project leads, partner contacts, respondents, accounts) by name or e-mail.

`schemas.py` (what is answered), `service.py` (the one code path: scope, paging, the audit entry for a
staff search of people), `routes.py` (`GET /api/v1/search`), `pages.py` (`GET /search`, the header's box).
The queries are store.search's.
"""

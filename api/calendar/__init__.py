"""Calendars (issue 15): `.ics` downloads of a workshop and a display, and each person's private feed.

- `entries.py`: what a calendar shows, as plain `Entry` values built from the read model (workshops,
  display opening and closing, milestone due dates, placement weeks), each with a stable UID.
- `ics.py`: entries -> RFC 5545 text with `icalendar` (VTIMEZONE for every zone used, SEQUENCE, DTSTAMP).
- `service.py`: what concerns whom (a partner: its own projects and placements; staff and admins: every
  project not declined or withdrawn, and every placement), the feed's token (random, stored hashed,
  replaced or revoked), called by the JSON routes and the page alike.
- `routes.py` (JSON, and `GET /calendar/{token}.ics`, where the token is the credential) and `pages.py`.
SEQUENCE grows when what an event says changes (store.calendars.writes.versions), so a calendar that
subscribed updates the event when its date moves. The token is never logged; feeds name projects, never
respondents or applicants.
"""

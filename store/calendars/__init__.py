"""Calendars (issue 15): private feeds (reads.py, writes.py) and the dated rows a calendar shows.

Which rows concern whom and how they become events is api/calendar's work; here are only the
lookups (feeds by token hash, projects with their dates, due milestones, placements) and the writes
(a feed replaced or revoked, events' SEQUENCE grown when what they say changes). Never commits.
"""

"""Follow-up surveys: respondents, invitation waves, answers by personal link, and what they show.

- `schemas.py`: request and response shapes.
- Services: `service.py` (a project's follow-up: waves, response rates, outcomes, reschedule),
  `respondents.py` (adding and importing respondents), `surveys.py` (answering and opting out by
  token: stored in one transaction, then signalled).
- JSON routes: `routes.py` (follow-up), `respondent_routes.py`, `survey_routes.py` (public, by token).
- Pages: `pages.py` (the survey a respondent answers on a phone), `page_words.py` (its English and
  Welsh words).
"""

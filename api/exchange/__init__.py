"""Knowledge Exchange: a year's programme of two-way placements between the museum and partners.

- `schemas.py`: request and response shapes (the dashboard's in `dashboard_schemas.py`); `errors.py`:
  the programme's detail strings (api.errors maps every refusal to its status and code).
- `calls.py`: the programme's start, updates, query and signal, through api.temporal_calls.
- Services: `service.py` (opening a programme, applications), `programme_updates.py` (every change to a
  programme: partners confirm or are replaced, shortlisting, selection, matching and moving placements,
  marking case studies), `schedule.py` (the yearly schedule), `dashboard.py` (stage, budget, response
  rates, outcomes), `case_study.py` (Markdown and HTML case studies, from `case_study_templates/`).
- JSON routes: `routes.py` (programmes, partners, shortlist, selections), `placement_routes.py` (match,
  move, case studies), `application_routes.py`, `schedule_routes.py`.
- Pages: `pages.py` (the programmes, a year's dashboard or a partner's own view with its confirmation and
  selection forms, case studies), `admin_pages.py` (staff open a year, confirm or replace partners),
  `application_pages.py` (staff list, read and shortlist applications), `placement_pages.py` (staff
  match and move placements), `apply_pages.py` (the public application form); what they share:
  `board_view.py` (the programmes list and the staff dashboard with its forms), `page_forms.py` (send a
  form's change under its nonce, answer or re-render), `confirm.py` (server-side confirmation of a step
  that cannot be undone).
"""

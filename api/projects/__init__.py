"""Projects: start one from a template, submit and review milestones, run workshops, set the display.

- `schemas.py`: request and response shapes; `views.py`: a project's state as a person reads it.
- `service.py`: starting a project and recording its row, shared by the JSON route and the new-project page.
- `updates.py`: every input to a running project (submit, review, workshops, display, pause/resume/
  withdraw/close), one function per Update, called by its JSON route and by the project page's form.
- JSON routes: `routes.py` (create, list, read, timeline), `milestone_routes.py`, `workshop_routes.py`,
  `display_routes.py`, `action_routes.py` (pause, withdraw, close), `template_routes.py`,
  `outbox_routes.py` (the e-mails Engage wrote).
- Pages: `pages.py` (dashboard, new project, project page), `page_view.py` (what the project page
  shows), `action_pages.py` (the project page's forms).
"""

"""The Engage HTTP API and web pages: one package per feature, shared pieces written once.

Where to look:
- a feature: `api/projects/`, `api/follow_up/` (follow-up surveys), `api/exchange/` (Knowledge
  Exchange), `api/partners/` (partners, keys and people signing in), `api/people/` (a person's
  rights: export and erasure), `api/retention/` (the daily retention schedule the worker writes, and
  the runs it recorded). Each holds `schemas.py`
  (requests and responses, composed from domain models), its services (`service.py` and friends),
  its JSON routes (`routes.py`, `*_routes.py`) and its pages (`pages.py`, `*_pages.py`); pages call
  the same service functions as the routes, handing them the same `api/callers.py` `Caller` (client,
  principal, Idempotency-Key), so both send one payload under one update id.
- talking to Temporal: `api/temporal_calls.py` (start, update, query, signal, describe any workflow;
  a project's state live or, when its workflow cannot answer, from the read model: `api/live_state.py`),
  `api/temporal_schedules.py` (the yearly and the retention schedules), `api/temporal_refusals.py` (what each failure
  means: unknown, ended, stuck, away, refused) and `api/temporal_connection.py` (address, namespace, TLS).
- who may call what: `api/access.py` (one table of every route and page, the named rules, and per-route
  notes the OpenAPI document repeats; the checks in `api/access_rules.py`); keys and principals:
  `api/auth.py`.
- who did what: `api/auth.py` `audit_trail` (an entry in the action's own transaction), `api/read_audit.py`
  (reads of personal data), `api/audit_routes.py` (`GET /api/v1/audit`, admins).
- errors: `api/errors.py` (one mapping: one status and one code per meaning) and `api/error_shape.py`
  (the one JSON shape).
- the app: `api/main.py` (`create_app`), `api/routers.py` (every router, in mount order),
  `api/settings.py`, `api/app_services.py` (`services_of(request)`: the one reader of `app.state`),
  middleware, metrics and the OpenAPI document.
- page plumbing shared by every feature: `api/pages/` (Jinja2 set-up, sessions, forms, CSRF).
"""

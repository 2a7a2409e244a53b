"""The access table itself: every JSON route and page -> the rule it is under (`ROUTES`), each rule in
words (`RULES`), and what a route does within its rule where that is more than the words (`NOTES`).

Data only, kept apart from the checks (api.access, api.access_rules) so the table reads as one list;
`api.access` re-exports all three, and tests/api/test_access_table.py and test_access_matrix.py prove it.
"""

from __future__ import annotations

#: Rule name -> who may call, in words. Roles: admin, staff (admin included), partner of the resource,
#: respondent by token, public, signed in.
RULES: dict[str, str] = {
    "public": "anyone, no key (probes, docs, the call for applications)",
    "signed_in": "any valid key, or anyone signed in to the pages; what a partner sees is narrowed",
    "staff": "staff and admin keys; a partner key is refused with 403 (a page shows 'Staff only')",
    "admin": "admin keys only; staff and partner keys are refused with 403 (a page shows 'Administrators only')",
    "survey_staff": "staff and admin; a partner key is answered 404 like a stranger (respondents' data); "
    "a partner signed in to the pages gets the 404 page",
    "partner_self": "staff, or the partner whose id is the path's {partner_id}; other partners 404",
    "project_party": "staff, or a partner of the project: {project_id} -> its partner ids (read model, "
    "then the workflow); other partners 404 'Project not found.'",
    "project_staff": "staff; a partner of the project is refused (403, shown on the project page); any "
    "other partner 404, as for project_party",
    "programme_party": "staff, or a partner taking part in the programme: {year} -> its active partner "
    "ids (read model); other partners 404 'Programme not found.' (a page: the 404 page), as for a year "
    "with no programme",
    "partner_in_programme": "a partner taking part in the programme, signed in to the pages ({year} -> its "
    "active partner ids, as programme_party); staff are refused with 403 (they use the JSON API); other "
    "partners the 404 page, as for a year with no programme",
    "programme_partner": "staff, or the partner the change is for ({partner_id} in the path, or the body's "
    "partner_id via `require_acts_for`); other partners 404 'Programme not found.'",
    "file_party": "staff, or a partner of a project holding the file: {sha256} -> the submissions holding "
    "it (evidence_file, joined to the project's partners); other partners 404 'File not found.'",
    "survey_token": "the respondent holding the single-use token in the path (no key): the token is "
    "the credential, checked by api.follow_up.respondents; a wrong token 404",
    "calendar_token": "whoever holds a private calendar feed's token (no key): the token is the credential, "
    "checked by api.calendar.service; an unknown or revoked token 404",
}

#: Every route and page: "METHOD /path" -> rule name. A route missing here fails the access test.
ROUTES: dict[str, str] = {
    # probes, documents, metrics
    "GET /healthz": "public",
    "GET /readyz": "public",
    "GET /openapi.json": "public",
    "GET /docs": "public",
    "GET /metrics": "staff",
    # the remote codec for Temporal's UI and CLI (api/codec_routes.py): histories hold everyone's data
    "POST /codec/decode": "staff",
    "POST /codec/encode": "staff",
    # partners and keys
    "POST /api/v1/partners": "staff",
    "GET /api/v1/partners": "signed_in",
    "GET /api/v1/partners/{partner_id}": "partner_self",
    "PATCH /api/v1/partners/{partner_id}": "staff",
    "POST /api/v1/partners/{partner_id}/keys": "staff",
    "POST /api/v1/keys": "admin",
    "DELETE /api/v1/keys/{key_id}": "staff",
    # people who sign in (api/accounts): admins manage staff and admins, staff manage partner contacts
    "POST /api/v1/users": "staff",
    "GET /api/v1/users": "staff",
    "PATCH /api/v1/users/{user_id}": "staff",
    "DELETE /api/v1/users/{user_id}": "staff",
    # the audit trail (api/audit_routes.py): who did what, who read whose data
    "GET /api/v1/audit": "admin",
    # projects
    "GET /api/v1/templates": "signed_in",
    "GET /api/v1/templates/{name}": "signed_in",
    "POST /api/v1/projects": "signed_in",  # a partner only for itself: `require_own_partnership`
    "GET /api/v1/projects": "signed_in",
    "GET /api/v1/projects/{project_id}": "project_party",
    "PATCH /api/v1/projects/{project_id}": "staff",
    "GET /api/v1/projects/{project_id}/events": "project_party",
    # one project's impact report (api/reports/project_routes.py): staff, or a partner of the project
    "GET /api/v1/projects/{project_id}/report": "project_party",
    "POST /api/v1/projects/{project_id}/milestones/{milestone_key}/submissions": "project_party",
    "POST /api/v1/projects/{project_id}/milestones/{milestone_key}/review": "staff",
    "POST /api/v1/projects/{project_id}/workshops": "staff",
    "POST /api/v1/projects/{project_id}/workshops/{workshop_id}/attendance": "staff",
    "POST /api/v1/projects/{project_id}/workshops/{workshop_id}/cancel": "staff",
    "PUT /api/v1/projects/{project_id}/display": "staff",
    # calendars (api/calendar): .ics files, the caller's private feed, and the feed itself
    "GET /api/v1/projects/{project_id}/workshops/{workshop_id}.ics": "project_party",
    "GET /api/v1/projects/{project_id}/display.ics": "project_party",
    "GET /api/v1/calendar/feed": "signed_in",
    "POST /api/v1/calendar/feed": "signed_in",
    "DELETE /api/v1/calendar/feed": "signed_in",
    "GET /calendar/{token}.ics": "calendar_token",
    "GET /calendar": "signed_in",
    "POST /calendar/feed": "signed_in",
    "POST /calendar/feed/revoke": "signed_in",
    "GET /projects/{project_id}/workshops/{workshop_id}.ics": "project_party",
    "GET /projects/{project_id}/display.ics": "project_party",
    "GET /projects/{project_id}/report": "project_party",  # the project report page and its PDF
    "GET /projects/{project_id}/report.pdf": "project_party",
    "POST /api/v1/projects/{project_id}/pause": "staff",
    "POST /api/v1/projects/{project_id}/resume": "staff",
    "POST /api/v1/projects/{project_id}/withdraw": "staff",
    "POST /api/v1/projects/{project_id}/close": "staff",
    "GET /api/v1/outbox": "staff",
    # search (api/search): a partner finds only its own; people by name or e-mail for staff only
    "GET /api/v1/search": "signed_in",
    # follow-up surveys
    "POST /api/v1/projects/{project_id}/respondents": "survey_staff",
    "GET /api/v1/projects/{project_id}/respondents": "survey_staff",
    "POST /api/v1/projects/{project_id}/respondents/import": "survey_staff",
    "GET /api/v1/projects/{project_id}/follow-up": "survey_staff",
    "PUT /api/v1/projects/{project_id}/follow-up/schedule": "survey_staff",
    "GET /api/v1/projects/{project_id}/responses.csv": "survey_staff",
    "GET /api/v1/projects/{project_id}/outcomes": "survey_staff",
    "GET /api/v1/surveys/{token}": "survey_token",
    "POST /api/v1/surveys/{token}/responses": "survey_token",
    "POST /api/v1/surveys/{token}/opt-out": "survey_token",
    # Knowledge Exchange
    "POST /api/v1/exchange/programmes": "staff",
    "GET /api/v1/exchange/programmes": "signed_in",
    "GET /api/v1/exchange/programmes/{year}": "staff",
    "POST /api/v1/exchange/programmes/{year}/partners/{partner_id}/confirm": "programme_partner",
    "POST /api/v1/exchange/programmes/{year}/partners/{partner_id}/replace": "staff",
    "POST /api/v1/exchange/programmes/{year}/applications/{application_id}/shortlist": "staff",
    "POST /api/v1/exchange/programmes/{year}/selections": "programme_partner",
    "POST /api/v1/exchange/programmes/{year}/placements/match": "staff",
    "PUT /api/v1/exchange/programmes/{year}/placements/{placement_id}/dates": "staff",
    "POST /api/v1/exchange/programmes/{year}/placements/{placement_id}/case-study": "staff",
    "GET /api/v1/exchange/programmes/{year}/placements/{placement_id}/case-study": "staff",
    "POST /api/v1/exchange/programmes/{year}/applications": "public",
    "GET /api/v1/exchange/programmes/{year}/applications": "programme_party",
    "GET /api/v1/exchange/programmes/{year}/report": "staff",  # the programme-year report (api/reports)
    "GET /api/v1/exchange/schedule": "staff",
    "POST /api/v1/exchange/schedule": "staff",
    "DELETE /api/v1/exchange/schedule": "staff",
    # the rights of the people whose data we hold (api/people/routes.py): access for staff, erasure for admins
    "GET /api/v1/people/export": "staff",
    "POST /api/v1/people/erase": "admin",
    # retention (api/retention/routes.py): what each daily run erased, counts only
    "GET /api/v1/retention/runs": "staff",
    # webhooks (api/webhooks/routes.py, issue 16): events out to other systems, admins only
    "POST /api/v1/webhooks": "admin",
    "GET /api/v1/webhooks": "admin",
    "GET /api/v1/webhooks/{webhook_id}": "admin",
    "DELETE /api/v1/webhooks/{webhook_id}": "admin",
    "GET /api/v1/webhooks/{webhook_id}/deliveries": "admin",
    # the portfolio impact report (api/reports/portfolio_routes.py): staff only, never a partner
    "GET /api/v1/reports/impact": "staff",
    # pages: signing in
    "GET /": "public",
    "POST /sign-in": "public",
    "POST /sign-out": "public",
    "GET /sign-in": "public",
    "POST /sign-in/email": "public",
    "GET /sign-in/link/{token}": "public",  # the single-use token in the path is the credential
    # pages: people and API keys (api/accounts/pages.py); who manages whom is the service's rule
    "GET /users": "staff",
    "POST /users": "staff",
    "GET /users/{user_id}": "staff",
    "POST /users/{user_id}": "staff",
    "GET /users/{user_id}/remove": "staff",
    "POST /users/{user_id}/remove": "staff",
    "GET /keys": "staff",
    "POST /keys/{key_id}/revoke": "staff",
    # pages: webhooks (api/webhooks/pages.py, issue 16), administrators only, as their JSON routes
    "GET /webhooks": "admin",
    "POST /webhooks": "admin",
    "GET /webhooks/{webhook_id}": "admin",
    "GET /webhooks/{webhook_id}/delete": "admin",
    "POST /webhooks/{webhook_id}/delete": "admin",
    # pages: projects
    "GET /projects": "signed_in",
    "POST /projects": "staff",
    "GET /projects/{project_id}": "project_party",
    "GET /projects/{project_id}/edit": "project_staff",
    "POST /projects/{project_id}/edit": "project_staff",
    # evidence files (api/files): the file and its thumbnail, JSON and page link alike
    "GET /api/v1/files/{sha256}": "file_party",
    "GET /api/v1/files/{sha256}/thumbnail": "file_party",
    "GET /files/{sha256}": "file_party",
    "GET /files/{sha256}/thumbnail": "file_party",
    "POST /projects/{project_id}/milestones/{milestone_key}/submit": "project_party",
    "POST /projects/{project_id}/milestones/{milestone_key}/review": "project_staff",
    "POST /projects/{project_id}/workshops": "project_staff",
    "POST /projects/{project_id}/workshops/{workshop_id}/attendance": "project_staff",
    "POST /projects/{project_id}/workshops/{workshop_id}/cancel": "project_staff",
    "POST /projects/{project_id}/display": "project_staff",
    "POST /projects/{project_id}/decisions/{decision}": "project_staff",
    # pages: partners, outbox
    "GET /partners": "staff",
    "POST /partners": "staff",
    "POST /partners/{partner_id}/keys": "staff",
    "GET /partners/{partner_id}": "partner_self",
    "POST /partners/{partner_id}": "staff",
    "GET /outbox": "staff",
    "GET /reports/impact": "staff",  # the portfolio impact report page and its PDF (api/reports/portfolio_pages.py)
    "GET /reports/impact.pdf": "staff",
    "GET /search": "signed_in",
    # pages: follow-up surveys (staff: a project's respondents, waves, schedule and outcomes)
    "GET /projects/{project_id}/follow-up": "survey_staff",
    "POST /projects/{project_id}/follow-up/respondents": "survey_staff",
    "POST /projects/{project_id}/follow-up/respondents/import": "survey_staff",
    "POST /projects/{project_id}/follow-up/schedule": "survey_staff",
    "GET /projects/{project_id}/follow-up/responses.csv": "survey_staff",
    "GET /s/{token}": "survey_token",
    "POST /s/{token}": "survey_token",
    "GET /s/{token}/thanks": "survey_token",
    "GET /s/{token}/opt-out": "survey_token",
    "POST /s/{token}/opt-out": "survey_token",
    # pages: Knowledge Exchange
    "GET /exchange": "signed_in",
    "GET /exchange/{year}": "programme_party",
    "POST /exchange/{year}/selection": "partner_in_programme",
    "POST /exchange/{year}/confirm": "partner_in_programme",
    "POST /exchange/{year}/placements/{placement_id}/case-study": "staff",
    "GET /exchange/{year}/placements/{placement_id}/case-study": "staff",
    # pages: running a year (api/exchange/admin_pages.py, application_pages.py, placement_pages.py)
    "POST /exchange": "staff",
    "POST /exchange/{year}/partners/{partner_id}/confirm": "staff",
    "POST /exchange/{year}/partners/{partner_id}/replace": "staff",
    "POST /exchange/{year}/partners/{partner_id}/selection": "staff",
    "GET /exchange/{year}/applications": "staff",
    "GET /exchange/{year}/applications/{application_id}": "staff",
    "POST /exchange/{year}/applications/{application_id}/shortlist": "staff",
    "POST /exchange/{year}/placements/match": "staff",
    "POST /exchange/{year}/placements/{placement_id}/dates": "staff",
    "GET /exchange/programmes/{year}/report": "staff",  # the programme-year report page and its PDF
    "GET /exchange/programmes/{year}/report.pdf": "staff",
    "GET /exchange/{year}/apply": "public",
    "POST /exchange/{year}/apply": "public",
    "GET /exchange/{year}/apply/thanks": "public",
}

#: What a route does within its rule, where that is more than the rule's words: the narrowing a handler
#: applies (through the named helpers below) and the CSRF mechanics of the pages' forms. Shown with the
#: rule in the OpenAPI document (api.openapi_doc); tests/api/test_access_matrix.py proves each one.
NOTES: dict[str, str] = {
    "GET /api/v1/partners": "a partner key lists only its own organisation",
    "POST /api/v1/users": "an admin adds staff and admins; staff add partner contacts only (403 otherwise)",
    "GET /api/v1/users": "an admin lists every account; staff list partner contacts only",
    "PATCH /api/v1/users/{user_id}": "as POST: staff change partner contacts only (403 for staff or admins)",
    "DELETE /api/v1/users/{user_id}": "as POST; the person's sessions end at once",
    "GET /users": "an admin sees and adds every kind of account; staff partner contacts only",
    "POST /keys/{key_id}/revoke": "staff revoke partner keys; only an admin revokes a staff or admin key (403)",
    "DELETE /api/v1/keys/{key_id}": "staff revoke partner keys; only an admin revokes a staff or admin key (403)",
    "POST /api/v1/projects": "a partner key starts a project only for itself alone (403 PARTNER_SCOPE otherwise)",
    "POST /api/v1/projects/{project_id}/milestones/{milestone_key}/submissions": "staff may submit for a partner "
    "(on_behalf_of); a partner's submission is always its own",
    "GET /api/v1/projects": "a partner key lists only the projects it takes part in",
    "GET /api/v1/exchange/programmes": "a partner key lists only the programmes it takes part in",
    "GET /api/v1/exchange/programmes/{year}/applications": "a partner sees its own staff's applications and the "
    "museum colleagues it may host",
    "POST /api/v1/exchange/programmes/{year}/selections": "the body's partner_id names the partner the change is "
    "for: a partner key only its own (404 'Programme not found.')",
    "GET /projects": "a partner sees only the projects it takes part in",
    "GET /api/v1/search": "a partner finds only its own projects and organisation; people (leads, contacts, "
    "respondents, accounts) only for staff, each such search audited",
    "GET /search": "as GET /api/v1/search",
    "GET /exchange": "a partner sees only the programmes it takes part in",
    "GET /exchange/{year}": "staff see the dashboard, a partner its own view of the year",
    "POST /exchange": "a step that cannot be undone: the first post answers a confirmation page and changes "
    "nothing; only its 'Yes' (confirmed=yes) opens the year",
    "POST /exchange/{year}/partners/{partner_id}/confirm": "staff confirm in the partner's name; confirmed first "
    "on a page that changes nothing, as POST /exchange",
    "POST /exchange/{year}/partners/{partner_id}/replace": "confirmed first on a page that changes nothing, as "
    "POST /exchange",
    "POST /exchange/{year}/applications/{application_id}/shortlist": "confirmed first on a page that changes "
    "nothing, as POST /exchange",
    "POST /exchange/{year}/placements/match": "confirmed first on a page that changes nothing, as POST /exchange",
    "POST /exchange/{year}/partners/{partner_id}/selection": "staff select in the partner's name, through the "
    "JSON route's select (the staff actor recorded); confirmed first on a page that changes nothing",
    "POST /exchange/{year}/confirm": "the partner confirms for itself; confirmed first on a page that changes "
    "nothing, as POST /exchange",
    # CSRF mechanics: a form's token is bound to what the form was served with, and checked first.
    "POST /sign-in": "CSRF: the form's token is bound to the pre-session cookie; signed in, that cookie is "
    "gone and a posted sign-in is a stale form (403 'Form expired')",
    "POST /s/{token}": "CSRF: the survey form's token is bound to the survey token, so a wrong token's post "
    "fails that check first (403, the survey's 'expired' page in the respondent's language)",
    "POST /s/{token}/opt-out": "CSRF: as POST /s/{token}, a wrong token's post is refused 403 by the check",
    "POST /sign-in/email": "CSRF: as POST /sign-in, bound to the pre-session cookie; signed in, a posted ask for "
    "a link is a stale form (403 'Form expired')",
}

"""Who may call what: ONE table for every JSON route and page, and the rules it names, checked here.

Read `ROUTES` (in api/access_table.py) to learn who may call any route or page: `"METHOD /path" ->
rule name`. Each rule is described in `RULES` (roles, and for "partner of the resource" how the
resource's owner is found).
A route declares its rule by name, which also yields the caller:

    principal: Annotated[Principal, access("project_party")]   # a JSON route
    viewer: Annotated[Viewer, page_access("staff")]           # a page

and the check runs in `api.access_rules`, never in an inline `if principal...` in a handler.
`audit(app)` reports any route missing from the table or declaring another rule than the table
says; tests/api/test_access_table.py runs it over the whole app. What a caller SEES more of (staff
see every project in a list, a partner its own) also goes through the named helpers at the bottom.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount, Route

from api import access_rules
from api.access_table import NOTES as NOTES  # re-exported: the table is read through api.access
from api.access_table import ROUTES as ROUTES
from api.access_table import RULES as RULES
from api.auth import Principal, Role
from api.errors import forbidden

# 👉 The table (RULES, ROUTES, NOTES) is data in api/access_table.py; re-exported here, where it is checked.


#: The attribute that marks a dependency as an access rule (read by `audit`).
RULE_ATTRIBUTE = "engage_access_rule"


def _marked(rule: str, check: Callable[..., Any]) -> Any:
    if rule not in RULES:
        raise KeyError(f"no access rule is named {rule!r}; the rules are {sorted(RULES)}")
    setattr(check, RULE_ATTRIBUTE, rule)
    return Depends(check)


@cache
def access(rule: str) -> Any:
    """`Depends(...)` for a JSON route: checks `rule` and yields the Principal (None when no key is needed)."""
    return _marked(rule, access_rules.json_check(rule))


@cache
def page_access(rule: str) -> Any:
    """`Depends(...)` for a page: checks `rule` and yields the Viewer (None when no one need be signed in)."""
    return _marked(rule, access_rules.page_check(rule))


# 👉 What a caller sees more of, named once: handlers ask these, never `principal.role` themselves.


def sees_everything(principal: Principal) -> bool:
    """Staff and admin see every project, partner and programme; a partner only its own."""
    return access_rules.staff_or_admin(principal)


def partner_scope(principal: Principal) -> str | None:
    """The one partner a caller's lists are narrowed to, or None for staff (no narrowing)."""
    return None if sees_everything(principal) else principal.partner_id


def may_see(principal: Principal, partner_ids: Iterable[str]) -> bool:
    """Staff see every project and programme; a partner only those it takes part in."""
    return sees_everything(principal) or principal.partner_id in set(partner_ids)


def is_partner(principal: Principal) -> bool:
    return principal.role is Role.PARTNER


def require_staff(principal: Principal) -> None:
    """403 unless staff: for a page that shows a partner of the project the refusal on the page itself."""
    if not sees_everything(principal):
        raise forbidden()


def require_own_partnership(principal: Principal, partner_ids: Iterable[str]) -> None:
    """A partner starts a project only for itself alone (403 `PARTNER_SCOPE` otherwise)."""
    access_rules.require_own_partnership(principal, list(partner_ids))


def require_may_revoke(principal: Principal, key_role: Role) -> None:
    """Whoever may issue a key may revoke it: staff for partner keys, admins for any (403 otherwise)."""
    if key_role is not Role.PARTNER and principal.role is not Role.ADMIN:
        raise forbidden()


def require_acts_for(principal: Principal, partner_id: str) -> None:
    """`programme_partner` when the partner is named in the body: a partner acts only for itself (404)."""
    access_rules.require_acts_for(principal, partner_id)


# 👉 The audit: every route in the table, declaring the rule the table gives it.


def _declared(dependant: Dependant) -> Iterator[str]:
    for sub in dependant.dependencies:
        rule = getattr(sub.call, RULE_ATTRIBUTE, None)
        if rule is not None:
            yield rule
        yield from _declared(sub)


def route_keys(route: Any) -> list[str]:
    methods = sorted(getattr(route, "methods", None) or ())
    return [f"{method} {route.path}" for method in methods if method != "HEAD"]


def audit(app: FastAPI) -> list[str]:
    """Every problem with `app`'s routes: one not in `ROUTES`, or declaring no rule or another one."""
    problems: list[str] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            continue  # static files: the stylesheet and the docs' assets, public by nature
        if not isinstance(route, Route | APIRoute):
            problems.append(f"{route!r}: a route of a kind the access table cannot check")
            continue
        # 👉 A plain Starlette route (FastAPI's own /openapi.json) takes no dependencies: the table only.
        declared = sorted(set(_declared(context.dependant))) if isinstance(route, APIRoute) else None
        for key in route_keys(context):
            wanted = ROUTES.get(key)
            if wanted is None:
                problems.append(f"{key}: no rule in api.access.ROUTES")
            elif declared is not None and declared != [wanted]:
                problems.append(f"{key}: the table says {wanted!r} but the route declares {declared}")
    return problems

"""Every router Engage serves, by feature, in the order they are mounted.

`api.main.create_app` mounts `JSON_ROUTERS`; `api.pages.mount.install_pages` mounts `PAGE_ROUTERS`.
One list each, so the access test (tests/api/test_access_table.py) and the app see the same routes.
"""

from __future__ import annotations

from fastapi import APIRouter

from api import audit_routes, codec_routes, health
from api.accounts import link_pages as account_link_pages
from api.accounts import pages as account_pages
from api.accounts import routes as account_routes
from api.calendar import pages as calendar_pages
from api.calendar import routes as calendar_routes
from api.exchange import admin_pages as exchange_admin_pages
from api.exchange import application_pages as exchange_application_pages
from api.exchange import application_routes as exchange_application_routes
from api.exchange import apply_pages as exchange_apply_pages
from api.exchange import pages as exchange_pages
from api.exchange import placement_pages as exchange_placement_pages
from api.exchange import placement_routes as exchange_placement_routes
from api.exchange import routes as exchange_routes
from api.exchange import schedule_routes as exchange_schedule_routes
from api.exchange import selection_pages as exchange_selection_pages
from api.files import pages as file_pages
from api.files import routes as file_routes
from api.follow_up import pages as follow_up_pages
from api.follow_up import respondent_routes, staff_pages, survey_routes
from api.follow_up import routes as follow_up_routes
from api.partners import key_routes, partner_page, signin_pages
from api.partners import pages as partner_pages
from api.partners import routes as partner_routes
from api.people import routes as people_routes
from api.projects import (
    action_pages,
    action_routes,
    display_routes,
    edit_page,
    milestone_routes,
    outbox_routes,
    template_routes,
    workshop_routes,
)
from api.projects import pages as project_pages
from api.projects import routes as project_routes
from api.reports import portfolio_pages as report_portfolio_pages
from api.reports import portfolio_routes as report_portfolio_routes
from api.reports import programme_pages as report_programme_pages
from api.reports import programme_routes as report_programme_routes
from api.reports import project_pages as report_project_pages
from api.reports import project_routes as report_project_routes
from api.retention import routes as retention_routes
from api.search import pages as search_pages
from api.search import routes as search_routes
from api.webhooks import pages as webhook_pages
from api.webhooks import routes as webhook_routes

JSON_ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    partner_routes.router,
    key_routes.router,
    account_routes.router,
    audit_routes.router,
    template_routes.router,
    project_routes.router,
    milestone_routes.router,
    file_routes.router,
    workshop_routes.router,
    display_routes.router,
    action_routes.router,
    outbox_routes.router,
    search_routes.router,
    respondent_routes.router,
    follow_up_routes.router,
    survey_routes.router,
    exchange_routes.router,
    exchange_placement_routes.router,
    exchange_application_routes.router,
    exchange_schedule_routes.router,
    report_project_routes.router,
    report_programme_routes.router,
    report_portfolio_routes.router,
    people_routes.router,
    retention_routes.router,
    codec_routes.router,
    calendar_routes.router,
    webhook_routes.router,
)

PAGE_ROUTERS: tuple[APIRouter, ...] = (
    signin_pages.router,
    account_link_pages.router,
    account_pages.router,
    project_pages.router,
    action_pages.router,
    edit_page.router,
    file_pages.router,
    partner_pages.router,
    partner_page.router,
    search_pages.router,
    follow_up_pages.router,
    staff_pages.router,
    exchange_pages.router,
    exchange_admin_pages.router,
    exchange_selection_pages.router,
    exchange_application_pages.router,
    exchange_placement_pages.router,
    exchange_apply_pages.router,
    report_project_pages.router,
    report_programme_pages.router,
    report_portfolio_pages.router,
    calendar_pages.router,
    webhook_pages.router,
)

"""The portfolio report's query: from/to (inclusive days, default the last 12 months to today), template
and partner, checked once for the JSON route, the page and the PDF, each refusal a 422 naming its field."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.app_services import AppServices
from api.errors import invalid
from api.reports.portfolio_report import PortfolioQuery, portfolio_report
from api.reports.portfolio_schemas import PortfolioReport
from domain.templates import TemplateCatalog
from store.tables import Partner

#: The longest period one report covers (each calendar year in it is a grouped read of its own).
MAX_YEARS = 10
#: The years a report's days may fall in (Engage's records begin long after the first; the last keeps
#: "the day after `to`" and "the year before `from`" computable).
FIRST_YEAR, LAST_YEAR = 1900, 9998


def year_before(day: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def parse_day(field: str, text: str | None) -> date | None:
    """A page's `YYYY-MM-DD` (blank: not given), or a 422 naming the field."""
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise invalid(field, "must be a date written YYYY-MM-DD") from None


def check_query(
    start: date | None,
    end: date | None,
    template: str | None,
    partner: str | None,
    *,
    today: date,
    templates: TemplateCatalog,
) -> PortfolioQuery:
    """The query with its defaults (the last 12 months to today), or a 422 naming the field at fault."""
    for field, day in (("from", start), ("to", end)):
        if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise invalid(field, f"must be a day between {FIRST_YEAR} and {LAST_YEAR}")
    end = end or today
    start = start or year_before(end) + timedelta(days=1)
    if start > end:
        raise invalid("to", "must be on or after `from`")
    if (end - start).days > MAX_YEARS * 366:
        raise invalid("from", f"a report covers at most {MAX_YEARS} years: choose a later `from`")
    template = (template or "").strip() or None
    if template is not None and template not in templates.names():
        raise invalid("template", f"no lifecycle template is named so; the templates are {templates.names()}")
    return PortfolioQuery(start=start, end=end, template=template, partner_id=(partner or "").strip() or None)


async def check_partner(session: AsyncSession, query: PortfolioQuery) -> None:
    """A partner filter must name a partner that exists (422 on `partner`), not silently match nothing."""
    if query.partner_id is not None:
        found = await session.scalar(select(Partner.id).where(Partner.id == query.partner_id))
        if found is None:
            raise invalid("partner", "no partner has this id")


async def report_for(
    services: AppServices,
    session: AsyncSession,
    start: date | None,
    end: date | None,
    template: str | None,
    partner: str | None,
) -> PortfolioReport:
    """The report for a query as sent (checked here): what the route, the page and the PDF all call."""
    zone = ZoneInfo(services.settings.timezone)
    query = check_query(start, end, template, partner, today=datetime.now(zone).date(), templates=services.catalog)
    await check_partner(session, query)
    return await portfolio_report(
        session, query, instruments=services.instruments, zone=zone, min_n=services.settings.report_min_n
    )

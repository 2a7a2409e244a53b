"""Calendars (issue 15): a partner's private feed holds its workshop at the right local time, never another
partner's; a moved display and a cancelled workshop come back with a higher SEQUENCE; a replaced or revoked
feed answers 404; every VEVENT is valid (UID, DTSTAMP, DTSTART) with a VTIMEZONE for Europe/London.
Real app, real worker on the dev server, SQLite and PostgreSQL; the feed is parsed with `icalendar`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from icalendar import Calendar, Event
from sqlalchemy import select

from api.calendar.entries import workshop_uid
from api.main import create_app
from api.settings import ApiSettings
from store.calendars import writes
from store.tables import AuditEntry, CalendarFeed
from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.support import create_partner, create_project, eventually, ok, partner_client, review, submit

LONDON = ZoneInfo("Europe/London")
BASE = "http://localhost:8000"


async def at_partnership(api: Api, partner_id: str, title: str) -> tuple[str, httpx.AsyncClient]:
    pid = (await create_project(api, [partner_id], title=title))["id"]
    as_partner = await partner_client(api, partner_id)
    ok(await submit(as_partner, pid, "proposal"), 201)
    ok(await review(api.http, pid, "proposal"), 200)
    return pid, as_partner


def session(title: str) -> dict[str, str]:
    # Naive: read in the project's zone (Europe/London, BST in July).
    return {"title": title, "starts_at": "2027-07-01T10:00", "ends_at": "2027-07-01T12:30", "place": "Community room"}


def events(body: bytes) -> dict[str, Event]:
    calendar = Calendar.from_ical(body)
    found = {event.uid: event for event in calendar.events}
    for uid, event in found.items():
        assert {"UID", "DTSTAMP", "DTSTART"} <= set(event), uid
    return found


async def feed_of(url: str, api: Api) -> httpx.Response:
    async with http_client(api.app, None) as anonymous:  # no key: the token is the credential
        return await anonymous.get(url.removeprefix(BASE))


async def until_feed(api: Api, url: str, holds: Any) -> dict[str, Event]:
    async def probe() -> dict[str, Event]:
        answer = await feed_of(url, api)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/calendar")
        return events(answer.content)

    return await eventually(probe, holds)


async def test_a_partners_feed_holds_its_workshop_and_follows_the_dates_as_they_move(api: Api) -> None:
    mine, theirs = (await create_partner(api))["id"], (await create_partner(api))["id"]
    pid, as_partner = await at_partnership(api, mine, "River Voices")
    other, _ = await at_partnership(api, theirs, "Hill Stories")
    ok(await api.http.post(f"/api/v1/projects/{pid}/workshops", json=session("Object handling")), 201)
    ok(await api.http.post(f"/api/v1/projects/{other}/workshops", json=session("Not yours")), 201)
    display = {"title": "River Voices", "location": "Gallery 2", "opens_at": "2027-09-01T10:00",
               "closes_at": "2027-11-01T17:00"}  # fmt: skip
    ok(await api.http.put(f"/api/v1/projects/{pid}/display", json=display), 200)

    made = ok(await as_partner.post("/api/v1/calendar/feed"), 201)
    assert made["url"].startswith(f"{BASE}/calendar/") and made["url"].endswith(".ics")
    assert ok(await as_partner.get("/api/v1/calendar/feed"), 200) == {
        "active": True, "url": None, "created_at": made["created_at"]}  # fmt: skip
    mine_uid, theirs_uid = workshop_uid(pid, "w1"), workshop_uid(other, "w1")
    closes = f"display-closes-{pid}@engage"
    feed = await until_feed(api, made["url"], lambda found: mine_uid in found and closes in found)

    workshop = feed[mine_uid]
    assert workshop.start == datetime(2027, 7, 1, 10, 0, tzinfo=LONDON)
    assert workshop["DTSTART"].params["TZID"] == "Europe/London"
    assert workshop.end == datetime(2027, 7, 1, 12, 30, tzinfo=LONDON)
    assert isinstance(workshop.start, datetime) and workshop.start.astimezone(UTC).hour == 9  # BST: 10:00 is 09:00 UTC
    assert workshop.location == "Community room" and workshop.sequence == 0
    assert theirs_uid not in feed and not any("Hill Stories" in str(e.summary) for e in feed.values())
    assert f"due-{pid}-partnership_agreement@engage" in feed or any(k.startswith(f"due-{pid}-") for k in feed)
    zones = Calendar.from_ical((await feed_of(made["url"], api)).content).walk("VTIMEZONE")
    assert [str(zone["TZID"]) for zone in zones] == ["Europe/London"]
    assert feed[closes].sequence == 0

    # The display moves and the workshop is cancelled: same UIDs, higher SEQUENCE, the new time.
    ok(await api.http.put(f"/api/v1/projects/{pid}/display", json=display | {"closes_at": "2027-12-01T17:00"}), 200)
    ok(await api.http.post(f"/api/v1/projects/{pid}/workshops/w1/cancel", json={"reason": "Room closed"}), 200)
    moved = await until_feed(
        api, made["url"], lambda found: found[closes].sequence == 1 and found[mine_uid].sequence == 1
    )
    assert moved[closes].start == datetime(2027, 12, 1, 17, 0, tzinfo=LONDON)  # GMT in December
    assert moved[mine_uid].status == "CANCELLED"
    assert moved[closes].stamp >= feed[closes].stamp  # whole seconds in the file
    again = events((await feed_of(made["url"], api)).content)
    assert again[closes].sequence == 1, "an unchanged event keeps its SEQUENCE on the next read"

    # The same event as a download, for whoever may see the project (another partner: 404).
    one = await as_partner.get(f"/api/v1/projects/{pid}/workshops/w1.ics")
    assert one.status_code == 200 and "attachment" in one.headers["content-disposition"]
    assert events(one.content)[mine_uid].sequence == 1
    shown = events(ok_ics(await as_partner.get(f"/api/v1/projects/{pid}/display.ics")))
    assert set(shown) == {f"display-opens-{pid}@engage", closes}
    stranger = await partner_client(api, theirs)
    assert (await stranger.get(f"/api/v1/projects/{pid}/workshops/w1.ics")).status_code == 404
    assert (await as_partner.get(f"/api/v1/projects/{pid}/workshops/w9.ics")).status_code == 404
    await stranger.aclose()

    # A new URL revokes the old; DELETE revokes the new; both answer 404 like an unknown token.
    replaced = ok(await as_partner.post("/api/v1/calendar/feed"), 201)
    assert (await feed_of(made["url"], api)).status_code == 404
    assert (await feed_of(replaced["url"], api)).status_code == 200
    assert (await as_partner.delete("/api/v1/calendar/feed")).status_code == 204
    assert (await feed_of(replaced["url"], api)).status_code == 404
    assert (await as_partner.delete("/api/v1/calendar/feed")).status_code == 404
    assert (await feed_of(f"{BASE}/calendar/not-a-token.ics", api)).status_code == 404
    await as_partner.aclose()

    async with api.sessionmaker() as db:
        assert (await db.execute(select(CalendarFeed))).scalars().all() == []
        actions = (await db.execute(select(AuditEntry.action).where(AuditEntry.action.like("calendar_feed_%")))).all()
    assert sorted(a for (a,) in actions) == ["calendar_feed_created"] * 2 + ["calendar_feed_revoked"]


def ok_ics(answer: httpx.Response) -> bytes:
    assert answer.status_code == 200, answer.text
    return answer.content


async def test_staff_see_every_partners_workshop_and_a_feed_dies_with_its_key(api: Api) -> None:
    a, b = (await create_partner(api))["id"], (await create_partner(api))["id"]
    first, _ = await at_partnership(api, a, "First")
    second, _ = await at_partnership(api, b, "Second")
    for pid in (first, second):
        ok(await api.http.post(f"/api/v1/projects/{pid}/workshops", json=session("Session")), 201)
    staff_key = ok(await api.http.post("/api/v1/keys", json={"role": "staff", "label": "calendar"}), 201)
    async with http_client(api.app, staff_key["key"]) as staff:
        url = ok(await staff.post("/api/v1/calendar/feed"), 201)["url"]
    wanted = {workshop_uid(first, "w1"), workshop_uid(second, "w1")}
    await until_feed(api, url, lambda found: wanted <= set(found))
    assert (await api.http.delete(f"/api/v1/keys/{staff_key['id']}")).status_code == 204
    assert (await feed_of(url, api)).status_code == 404, "a revoked key's feed shows nothing"


async def test_an_events_sequence_grows_only_when_what_it_says_changes(sessionmaker: Any) -> None:
    """The store's rule (a workshop cannot be moved over the API today; a display can, tested above)."""
    now = datetime.now(UTC)
    async with sessionmaker() as db:
        assert await writes.versions(db, {"w@engage": "a"}, now) == {"w@engage": (0, now)}
        assert (await writes.versions(db, {"w@engage": "a"}, now + timedelta(1)))["w@engage"] == (0, now)
        later = now + timedelta(hours=2)
        assert (await writes.versions(db, {"w@engage": "b"}, later))["w@engage"] == (1, later)
        assert (await writes.versions(db, {"w@engage": "a"}, later))["w@engage"][0] == 2
        await db.commit()


async def test_a_feed_token_is_rate_limited_as_a_survey_link_is(temporal_dev_env: Any, sessionmaker: Any) -> None:
    """Per token, then per address over all tokens (guessing feed URLs is bounded too); JSON 429."""
    tight = ApiSettings(admin_key=ADMIN_KEY, rate_limit_survey_token="3/minute", rate_limit_survey_address="5/minute")
    app = create_app(tight, client=temporal_dev_env.client, sessionmaker=sessionmaker)
    async with app.router.lifespan_context(app), http_client(app, None) as anonymous:
        token = "c" * 43
        assert [(await anonymous.get(f"/calendar/{token}.ics")).status_code for _ in range(4)] == [404] * 3 + [429]
        guesses = [(await anonymous.get(f"/calendar/guess-{n}.ics")).status_code for n in range(3)]
        assert guesses == [404, 429, 429]  # 4 counted before: one more reaches the address's 5
        limited = await anonymous.get("/calendar/guess-9.ics")
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert limited.json()["error"] == "TooManyRequests"

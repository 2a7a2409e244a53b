"""What each calendar event says, as pure functions of read-model rows (issue 15): placements are all-day with
RFC 5545's exclusive end, due dates are owed ones only and fall on their local day, a cancelled workshop is
CANCELLED, and an event's fingerprint (hence its SEQUENCE) changes exactly when what it says does."""

from __future__ import annotations

from datetime import UTC, date, datetime

from icalendar import Calendar

from api.calendar import entries as make
from api.calendar.ics import render
from domain.state import WorkshopState
from store.tables import ExchangePlacement, Milestone, Project

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def project(**state: object) -> Project:
    return Project(id="p1", title="River Voices", timezone="Europe/London", state=state)


def milestone(status: str, due_at: datetime | None) -> Milestone:
    return Milestone(
        project_id="p1", key="proposal", title="Proposal", submitter="partner", status=status, due_at=due_at
    )


def test_a_placement_is_all_day_from_its_first_to_its_last_day_inclusive() -> None:
    placement = ExchangePlacement(
        id="pl1", year=2027, partner_id="a", direction="museum_to_partner", starts_on=date(2027, 5, 3),
        ends_on=date(2027, 5, 7),
    )  # fmt: skip
    entry = make.placement_entry(placement, "Placement at the archive")
    assert (entry.start, entry.end) == (date(2027, 5, 3), date(2027, 5, 8))
    assert entry.uid == "placement-2027-pl1@engage" and "Placement at the archive" in entry.summary
    [event] = Calendar.from_ical(render("t", [entry], {entry.uid: (0, NOW)})).events
    assert (event.start, event.end) == (date(2027, 5, 3), date(2027, 5, 8))
    assert event["DTSTART"].params["VALUE"] == "DATE"


def test_only_an_owed_due_date_is_shown_and_on_its_local_day() -> None:
    late_evening = datetime(2027, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July in London (BST)
    owed = make.milestone_entry(project(), milestone("pending", late_evening))
    assert owed is not None and (owed.start, owed.end) == (date(2027, 7, 1), date(2027, 7, 2))
    assert make.milestone_entry(project(), milestone("returned", late_evening)) is not None
    for done in ("submitted", "accepted", "skipped", "declined", "lapsed"):
        assert make.milestone_entry(project(), milestone(done, late_evening)) is None, done
    assert make.milestone_entry(project(), milestone("pending", None)) is None


def test_a_cancelled_workshop_says_so_and_moving_one_changes_its_fingerprint_but_not_its_uid() -> None:
    held = WorkshopState(
        id="w1", title="Handling", starts_at=datetime(2027, 7, 1, 9, tzinfo=UTC),
        ends_at=datetime(2027, 7, 1, 11, tzinfo=UTC), place="Room 1",
    )  # fmt: skip
    first = make.workshop_entry(project(), held)
    moved = make.workshop_entry(project(), held.model_copy(update={"starts_at": datetime(2027, 7, 2, 9, tzinfo=UTC)}))
    cancelled = make.workshop_entry(project(), held.model_copy(update={"cancelled_at": NOW, "cancel_reason": "Flood"}))
    assert first.uid == moved.uid == cancelled.uid == "workshop-p1-w1@engage"
    assert len({first.fingerprint(), moved.fingerprint(), cancelled.fingerprint()}) == 3
    assert first.fingerprint() == make.workshop_entry(project(), held).fingerprint()
    events = Calendar.from_ical(render("t", [cancelled], {cancelled.uid: (2, NOW)})).events
    assert [(e.status, e.sequence, e.stamp) for e in events] == [("CANCELLED", 2, NOW)]
    assert "Cancelled: Flood" in str(events[0]["DESCRIPTION"])


def test_the_workshops_and_display_come_from_the_projects_state() -> None:
    state = {
        "workshops": [
            {"id": "w1", "title": "A", "starts_at": "2027-07-01T09:00:00Z", "ends_at": "2027-07-01T10:00:00Z",
             "place": "Room"},
        ],
        "display": {"title": "D", "location": "Gallery", "opens_at": "2027-09-01T09:00:00Z",
                    "closes_at": "2027-12-01T17:00:00Z"},
    }  # fmt: skip
    row = project(**state)
    assert [w.id for w in make.workshops(row)] == ["w1"]
    shown = make.display(row)
    assert shown is not None
    opening, closing = make.display_entries(row, shown)
    assert opening.summary == "Display opens: D" and closing.summary == "Display closes: D"
    assert closing.start == datetime(2027, 12, 1, 17, tzinfo=UTC)  # GMT in December: the same wall time
    assert make.display(project()) is None and make.workshops(project()) == []

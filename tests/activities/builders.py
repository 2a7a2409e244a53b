"""Test data for the activity tests: a project told as a story, batch by batch, like the workflow does.

`ProjectStory` numbers events and snapshots the state exactly as ProjectWorkflow._emit does, using the
real domain transitions and a shipped template, so the activities see realistic batches. Addresses are
made-up `.example` ones; no real person appears here.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import transitions
from domain.events import DomainEvent, EventType, ProjectChanges, RecordedEvent
from domain.lifecycle import Audience, LifecycleTemplate, Party, Stage
from domain.state import ProjectInput
from domain.submissions import Actor, Decision, MilestoneSubmission, Person, ReviewDecision
from domain.templates import TemplateCatalog
from domain.transitions import Change
from store.tables import Partner

CATALOG = TemplateCatalog.load_shipped()
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEAD = Person(name="Morgan Lead", email="morgan.lead@museum.example")
STAFF = Actor(party=Party.STAFF, label="staff")


async def add_partner(sessionmaker: async_sessionmaker[AsyncSession], name: str, email: str) -> str:
    partner_id = uuid.uuid4().hex
    async with sessionmaker.begin() as session:
        session.add(Partner(id=partner_id, name=name, contact_name=name, contact_email=email, created_at=T0))
    return partner_id


class ProjectStory:
    """A co-curation project whose changes are cut into batches for `record_project_changes`."""

    def __init__(self, partner_ids: list[str], *, timezone: str = "Europe/London") -> None:
        template = CATALOG.latest("co-curation")
        assert template is not None
        self.template: LifecycleTemplate = template
        self.project_id = uuid.uuid4().hex
        self.now = T0
        self.state = transitions.new_project(
            ProjectInput(
                project_id=self.project_id,
                template=template,
                title="Voices of the Docks",
                summary="Dockworkers' families co-curate a display.",
                lead=LEAD,
                partner_ids=tuple(partner_ids),
                follow_up_schedule=(),
                timezone=timezone,
                created_at=T0,
            )
        )
        self.pending: list[RecordedEvent] = []

    @property
    def workflow_id(self) -> str:
        return f"project/{self.project_id}"

    def emit(self, change: Change, notify: tuple[Audience, ...] | None = None, actor: Actor | None = None) -> None:
        event_type, milestone_key, detail = change
        self.state.event_seq += 1
        self.state.updated_at = self.now
        event = DomainEvent(
            project_id=self.project_id,
            seq=self.state.event_seq,
            type=event_type,
            occurred_at=self.now,
            stage=self.state.stage,
            actor=(actor.label or actor.party.value) if actor else "system",
            milestone_key=milestone_key,
            detail=detail,
        )
        audience = notify if notify is not None else self.template.notify.get(event_type.value, ())
        self.pending.append(RecordedEvent(event=event, notify=audience))

    def batch(self) -> ProjectChanges:
        """Everything emitted since the last batch, with a snapshot frozen at this moment."""
        changes = ProjectChanges(events=tuple(self.pending), snapshot=self.state.model_copy(deep=True))
        self.pending = []
        return changes

    def advance(self, delta: timedelta) -> None:
        self.now += delta

    # -- the steps used by the tests ---------------------------------------------------------------

    def begin(self) -> ProjectChanges:
        """project_created (nobody told) and the proposal stage opening (partners and lead told)."""
        self.emit((EventType.PROJECT_CREATED, None, {"template": self.template.ref}))
        self.emit(transitions.open_stage(self.template, self.state, Stage.PROPOSAL, self.now))
        return self.batch()

    def submit(self, milestone_key: str, partner_id: str, summary: str = "Our proposal.") -> ProjectChanges:
        actor = Actor(party=Party.PARTNER, partner_id=partner_id, label="partner")
        submission = MilestoneSubmission(
            milestone_key=milestone_key, actor=actor, summary=summary, links=("https://example.org/plan",)
        )
        self.emit(transitions.apply_submission(self.state, submission, self.now), actor=actor)
        return self.batch()

    def review(self, milestone_key: str, decision: Decision, note: str = "") -> ProjectChanges:
        review = ReviewDecision(milestone_key=milestone_key, decision=decision, note=note, actor=STAFF)
        self.emit(transitions.apply_review(self.state, review, self.now), actor=STAFF)
        return self.batch()

    def only(self, change: Change, notify: tuple[Audience, ...] | None = None) -> ProjectChanges:
        self.emit(change, notify=notify)
        return self.batch()

"""4. List projects from the read model with 10,000 projects in it, filtered by stage and overdue.

The read model is seeded directly (no workflows: the list never asks Temporal) with projects made by
the domain's own transitions, so rows, milestones and snapshots look like the worker's: three
templates, every stage from proposal to closed, current stages opened up to four months ago so
that a realistic share of them is overdue. Then `GET /api/v1/projects?stage=...&overdue=true`, the
dashboard's "what is overdue in this stage" view, cycling over the active stages. PostgreSQL gets an
ANALYZE after the bulk load, as autovacuum would do within a minute; SQLite gets nothing (it never
analyzes by itself).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from bench import stats
from bench.context import BenchContext
from bench.http import ok
from bench.stack import Stack, open_stack
from domain.lifecycle import Stage
from domain.state import MilestoneStatus, ProjectInput, ProjectState
from domain.submissions import Person
from domain.templates import TemplateCatalog
from domain.transitions import close_stage, end_project, new_project, open_stage
from store.projects.writes import project_row
from store.tables import Milestone, Partner, Project, ProjectPartner
from workflows.naming import project_workflow_id

ACTIVE = ("proposal", "partnership", "workshops", "display", "evaluation")
PARTNERS = 50
BATCH = 500
#: Seconds each list variant may take (it stops short, marked `truncated`, if one request is slow).
BUDGET_S = 30.0


async def run(ctx: BenchContext, db: str) -> dict[str, Any]:
    projects, samples = (200, 10) if ctx.smoke else (10_000, 400)
    async with open_stack(ctx.root, "list", db=db, poll_s=ctx.poll_s, raw_worker=False) as stack:
        seeded = await seed(stack, projects)
        staff = stack.staff()

        def lister(params: dict[str, str]) -> stats.Op:
            async def one(i: int) -> None:
                query = {k: (ACTIVE[i % len(ACTIVE)] if v == "*" else v) for k, v in params.items()}
                ok(await staff.get("/api/v1/projects", params=query), 200)

            return one

        variants = {"stage_overdue": {"stage": "*", "overdue": "true"}, "stage": {"stage": "*"}, "all": {}}
        result: dict[str, Any] = {"projects": projects, **seeded}
        for name, params in variants.items():
            op = lister(params)
            # 👉 A bad query plan makes one request take seconds: bound each variant's time, and say
            # how many samples it got (`n`, `truncated`), rather than run for hours.
            warm = await stats.sequential(op, range(1))
            if warm[0] < 1.0 and not ctx.smoke:
                warm += await stats.sequential(op, range(1, 5))
            budget = samples if max(warm) * samples < BUDGET_S else max(3, int(BUDGET_S / max(warm)))
            result[name] = stats.summary(await stats.sequential(op, range(min(samples, budget))))
            result[name]["truncated"] = budget < samples
        result["engage"] = result["stage_overdue"]
        return result


async def seed(stack: Stack, count: int) -> dict[str, int]:
    """Write `count` projects (rows, partner links, milestones with snapshots) in batches."""
    rng = random.Random(6)
    catalog = TemplateCatalog.load_shipped()
    templates = [t for name in catalog.names() if (t := catalog.latest(name)) is not None]
    now = datetime.now(UTC)
    partner_ids = [uuid.uuid4().hex for _ in range(PARTNERS)]
    milestones = overdue = 0
    async with stack.sessionmaker() as session:
        await session.execute(
            insert(Partner),
            [
                {
                    "id": pid,
                    "name": f"Partner {n}",
                    "contact_name": "Contact",
                    "contact_email": "c@example.org",
                    "created_at": now,
                }
                for n, pid in enumerate(partner_ids)
            ],
        )
        for start in range(0, count, BATCH):
            states = [
                _project(rng, templates, rng.sample(partner_ids, rng.choice((1, 1, 2))), now)
                for _ in range(min(BATCH, count - start))
            ]
            await session.execute(insert(Project), [project_row(s, project_workflow_id(s.project_id)) for s in states])
            await session.execute(
                insert(ProjectPartner),
                [{"project_id": s.project_id, "partner_id": p} for s in states for p in s.partner_ids],
            )
            overdue += sum(any(m.is_overdue(now) for m in s.stage_milestones()) for s in states)
            rows = [_milestone_row(s, m) for s in states for m in s.milestones]
            milestones += len(rows)
            await session.execute(insert(Milestone), rows)
            await session.commit()
        if stack.db == "postgres":
            await session.execute(text("ANALYZE"))
            await session.commit()
    # Counted here, not with the list's own SQL: that query is what is being measured.
    return {"milestone_rows": milestones, "overdue_projects": overdue}


def _project(rng: random.Random, templates: list[Any], partner_ids: list[str], now: datetime) -> ProjectState:
    template = rng.choice(templates)
    stages = [s.stage for s in template.stages]
    created = now - timedelta(days=rng.uniform(150, 730))
    start = ProjectInput(
        project_id=uuid.uuid4().hex,
        template=template,
        title=f"Project {rng.randrange(10**6)}",
        summary="A seeded project for the list benchmark.",
        lead=Person(name="Project Lead", email="lead@museum.example"),
        partner_ids=tuple(partner_ids),
        follow_up_schedule=(),
        created_at=created,
    )
    state = new_project(start)
    reached = rng.randrange(len(stages) + 1)  # len(stages): closed after follow-up
    current_opened = now - timedelta(days=rng.uniform(0, 120))
    step = (current_opened - created) / max(reached, 1)
    for k in range(min(reached, len(stages) - 1) + 1):
        open_stage(template, state, stages[k], current_opened if k == reached else created + step * k)
        if k < reached:
            for m in state.stage_milestones():
                m.status = MilestoneStatus.ACCEPTED
            close_stage(state, created + step * (k + 1))
    if reached == len(stages):
        end_project(state, Stage.CLOSED, "Follow-up handed over", current_opened)
    state.event_seq = 3 + 4 * reached
    state.updated_at = current_opened
    return state


def _milestone_row(state: ProjectState, m: Any) -> dict[str, Any]:
    return {
        "project_id": state.project_id,
        "key": m.key,
        "stage": m.stage.value,
        "title": m.title,
        "submitter": m.submitter.value,
        "status": m.status.value,
        "required": m.required,
        "review_required": m.review_required,
        "due_at": m.due_at,
    }

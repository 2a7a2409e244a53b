"""Replay every workflow history the test suite exported: `make replay-all`, or
`python -m tests.replay.replay_exported [folder]`.

tests/replay/test_histories.py replays the few histories we committed; this replays the hundreds
the suite itself produced (tests/history_export.py writes them when each test's Temporal stack
shuts down), with the same workflows, converter and strict sandbox. A workflow change that takes
a different path on any run the suite drove fails here, before it can wedge a live project.

- Histories of types that are not ours (a test's own stand-in workflows) are skipped and counted.
- Histories of tests marked `replay_exempt(reason=...)` are replayed and reported, never failed on.
- Every history is also scanned for personal data in clear (tests/replay/clear_personal_data.py):
  an e-mail address in a clear payload or in any text of a history fails the step.
- Exit status 1 on any failed replay, on any history that could not be exported, on any personal data in
  clear, or when the folder holds no history at all (the export is broken, or the tests did not run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.history_folder import EXPORT_ERRORS_FILE, export_dir
from tests.replay.clear_personal_data import Scan, scan_history
from tests.temporal_env import codec_converter
from workflows.registry import WORKFLOWS, sandbox_runner


@dataclass(frozen=True)
class Exported:
    path: Path
    test: str
    workflow_id: str
    run_id: str
    workflow_type: str
    replay_exempt: str | None


@dataclass
class Summary:
    replayed: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[Exported, str]] = field(default_factory=list)
    exempt: list[tuple[Exported, str | None]] = field(default_factory=list)
    export_errors: list[str] = field(default_factory=list)
    clear_data: Scan = field(default_factory=Scan)

    @property
    def ok(self) -> bool:
        return (
            not self.failures
            and not self.export_errors
            and not self.clear_data.findings
            and sum(self.replayed.values()) > 0
        )


def _header(path: Path) -> Exported:
    data = json.loads(path.read_text(encoding="utf-8"))
    return Exported(
        path, data["test"], data["workflow_id"], data["run_id"], data["workflow_type"], data.get("replay_exempt")
    )


async def _histories(items: list[Exported], clear_data: Scan) -> AsyncIterator[WorkflowHistory]:
    for item in items:
        data = json.loads(await asyncio.to_thread(item.path.read_text, encoding="utf-8"))
        clear_data.add(scan_history(data["history"], f"{item.test} {item.workflow_id}"))
        yield WorkflowHistory.from_json(item.workflow_id, data["history"])


def _read_folder(folder: Path, ours: set[str], summary: Summary) -> list[Exported]:
    """The exported histories of our types, in a stable order; others counted as skipped."""
    errors_file = folder / EXPORT_ERRORS_FILE
    if errors_file.exists():
        summary.export_errors = [line for line in errors_file.read_text(encoding="utf-8").splitlines() if line]
    to_replay: list[Exported] = []
    for path in sorted(p for p in folder.rglob("*.json") if p.is_file()):
        try:
            item = _header(path)
        except (ValueError, KeyError) as err:  # a half-written file: a lost history, so it fails the step
            summary.export_errors.append(f"unreadable {path}: {err!r}")
            continue
        if item.workflow_type in ours:
            to_replay.append(item)
        else:
            summary.skipped[item.workflow_type] += 1
    return to_replay


async def replay_all(folder: Path, workflows: Sequence[type] = WORKFLOWS) -> Summary:
    """Replay every exported history in `folder` whose type is one of `workflows`."""
    summary = Summary()
    ours = {w.__temporal_workflow_definition.name for w in workflows}  # type: ignore[attr-defined]
    to_replay = await asyncio.to_thread(_read_folder, folder, ours, summary)
    replayer = Replayer(
        workflows=list(workflows), data_converter=codec_converter(), workflow_runner=sandbox_runner(strict=True)
    )
    # Results come back in the order the histories went in (each replayed on its own, from scratch).
    async with replayer.workflow_replay_iterator(_histories(to_replay, summary.clear_data)) as results:
        items = iter(to_replay)
        async for result in results:
            item = next(items)
            failure = result.replay_failure
            error = None if failure is None else f"{type(failure).__name__}: {failure}"
            summary.replayed[item.workflow_type] += 1
            if item.replay_exempt is not None:
                summary.exempt.append((item, error))
            elif error is not None:
                summary.failures.append((item, error))
    return summary


def render(summary: Summary, folder: Path) -> str:
    """The step's log: counts per type, what was skipped or exempt, and each failure in full."""
    total = sum(summary.replayed.values())
    lines = [f"replay-all: {total} exported histories replayed from {folder}"]
    lines += [f"  {name:<28} {count:>5} replayed" for name, count in sorted(summary.replayed.items())]
    skipped = ", ".join(f"{name} {count}" for name, count in sorted(summary.skipped.items()))
    lines.append(
        f"  skipped, not our workflow types: {sum(summary.skipped.values())}" + (f" ({skipped})" if skipped else "")
    )
    if summary.exempt:
        lines.append(f"  EXEMPT (replay_exempt), replayed but not failed on: {len(summary.exempt)}")
        for item, error in summary.exempt:
            outcome = "replays" if error is None else f"does not replay: {error.splitlines()[0]}"
            lines.append(f"    {item.test} {item.workflow_type} {item.workflow_id}: {outcome} — {item.replay_exempt}")
    for error in summary.export_errors:
        lines.append(f"  EXPORT ERROR {error}")
    if total == 0:
        lines.append("  nothing to replay: run the tests first (the fixtures export histories on shutdown)")
    scan = summary.clear_data
    lines.append(
        f"  personal data in clear: {len(scan.findings)} found in {scan.histories} histories "
        f"({scan.payloads} payloads, {scan.encrypted} encrypted; "
        "the rest search attributes and the SDK's marker headers)"
    )
    lines += [f"  CLEAR PERSONAL DATA {finding}" for finding in scan.findings[:20]]
    lines.append(f"  failed: {len(summary.failures)}")
    for item, error in summary.failures:
        lines.append(f"  FAILED {item.test} {item.workflow_type} {item.workflow_id} run {item.run_id}")
        lines.append(f"         {item.path}")
        lines += [f"         {line}" for line in error.splitlines()[:6]]
    lines.append("replay-all: " + ("OK" if summary.ok else "FAILED"))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, workflows: Sequence[type] = WORKFLOWS) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", nargs="?", type=Path, default=None, help="default: $ENGAGE_HISTORY_EXPORT_DIR")
    args = parser.parse_args(argv)
    folder: Path = args.folder or export_dir()
    summary = asyncio.run(replay_all(folder, workflows))
    sys.stdout.write(render(summary, folder) + "\n")
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())

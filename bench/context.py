"""What every benchmark is given: where to put its stack's files, and whether this is a smoke run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BenchContext:
    #: A fresh directory for this run; each stack makes its own subdirectory (SQLite files, logs).
    root: Path
    #: A tiny size that only proves the benchmark still runs (CI, under a minute for all of them).
    smoke: bool
    #: Projects in the fan-out benchmark (None: the issue's 2,000, or the smoke size).
    fanout_projects: int | None = None

    @property
    def rounds(self) -> int:
        """Alternating rounds per side in `stats.compare_sequential`."""
        return 2 if self.smoke else 4

    def think(self, seconds: float) -> float:
        """Idle before each paced call (`seconds` in a full run; next to nothing in a smoke run)."""
        return 0.005 if self.smoke else seconds

    @property
    def poll_s(self) -> float:
        """How often to poll while waiting for the worker or the read model to catch up."""
        return 0.05 if self.smoke else 0.25

    @property
    def settle_s(self) -> float:
        """Pause before each round, so one side's leftovers do not land on the other."""
        return 0.05 if self.smoke else 0.5

"""A bad weekly digest setting stops `python worker.py` at once, with the variable named and no traceback,
before it connects to anything (no Temporal server runs here: the refusal must come first)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("ENGAGE_DIGEST_CRON", "every monday", "not five cron fields"),
        ("ENGAGE_DIGEST_TIMEZONE", "Europe/Londres", "not a time zone"),
        ("ENGAGE_DIGEST_ENABLED", "perhaps", "valid boolean"),
    ],
)
def test_the_worker_refuses_to_start_with_a_bad_digest_setting(name: str, value: str, words: str) -> None:
    env = {**os.environ, name: value, "TEMPORAL_ADDRESS": "127.0.0.1:9"}  # nothing listens on port 9
    done = subprocess.run([sys.executable, "worker.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("worker: a setting is not valid:"), done.stderr
    assert name in done.stderr and words in done.stderr
    assert "Traceback" not in done.stderr

"""The API's access log is its own, however uvicorn is started: docker-compose.yml runs plain
`uvicorn api.main:create_app --factory` (no `--no-access-log`), and uvicorn's own access log would
print each raw path — a survey link's path is its token. The app switches that log off; its request
line names the route template instead."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.faults.processes import free_port

ROOT = Path(__file__).resolve().parent.parent.parent


def test_uvicorn_started_as_compose_does_logs_route_templates_never_a_survey_token(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",  # nothing there: the client is lazy
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'engage.db'}",
        "ENGAGE_ADMIN_KEY": "engage_access-log-test-admin-key",
    }
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    log = tmp_path / "api.log"
    argv = [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host", "127.0.0.1"]
    with log.open("wb") as out:
        api = subprocess.Popen([*argv, "--port", str(port)], cwd=ROOT, env=env, stdout=out, stderr=out)
    token = secrets.token_urlsafe(24)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert api.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.1)
        for path in (f"/api/v1/surveys/{token}", f"/s/{token}", f"/s/{token}/opt-out"):
            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=10)
    finally:
        api.terminate()
        api.wait(15)
    text = log.read_text()
    assert token not in text, "a survey token reached the API's log"
    routes = [json.loads(line).get("route") for line in text.splitlines() if line.startswith("{")]
    assert "/api/v1/surveys/{token}" in routes and "/s/{token}" in routes, text[-2000:]

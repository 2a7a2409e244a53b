"""`make run` as a newcomer runs it (scripts/devstack.py on non-default ports), end to end:

- links in e-mails lead to the port the API really serves (ENGAGE_BASE_URL unset);
- a survey round trip (API and page) leaves its token in no log: not the stack's output (worker,
  API, supervisor), not Temporal's log;
- two Ctrl-C in a row (the second while it is stopping) still stop everything and exit 0, cleanly.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from store.session import create_engine, create_sessionmaker
from store.settings import StoreSettings
from store.surveys.writes_wave_mail import invite_key
from tests.api.survey_support import GOOD_ANSWERS
from tests.faults.processes import free_port
from tests.store.survey_builders import open_at, tokens_by_respondent, wave_task

ROOT = Path(__file__).resolve().parent.parent.parent
ADMIN_KEY = "engage_make-run-test-admin-key"


async def _ready(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    async with httpx.AsyncClient(base_url=base, timeout=2) as http:
        while True:
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]  # noqa: ASYNC240 - on failure only
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "make run did not become ready"
            await asyncio.sleep(0.25)


async def _eventually_outbox_link(http: httpx.AsyncClient) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        items = (await http.get("/api/v1/outbox")).json()["items"]
        for item in items:
            if "/projects/" in item["body"]:
                return str(item["body"])
        await asyncio.sleep(0.25)
    raise AssertionError("no e-mail with a project link reached the outbox")


async def test_make_run_on_other_ports_links_there_keeps_tokens_out_of_logs_and_stops_on_two_ctrl_c(
    tmp_path: Path,
) -> None:
    api_port, temporal_port, ui_port = free_port(), free_port(), free_port()
    data_dir = tmp_path / "data"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("ENGAGE_BASE_URL", "DATABASE_URL", "DATABASE_SCHEMA", "SMTP_URL", "TEMPORAL_ADDRESS")
        and not key.startswith("ENGAGE_")
    }
    env |= {
        "ENGAGE_DATA_DIR": str(data_dir),
        "ENGAGE_API_PORT": str(api_port),
        "ENGAGE_TEMPORAL_PORT": str(temporal_port),
        "ENGAGE_TEMPORAL_UI_PORT": str(ui_port),
        "ENGAGE_ADMIN_KEY": ADMIN_KEY,
    }
    log = tmp_path / "make-run.log"
    with log.open("wb") as out:
        # A plain Popen, as a terminal runs it: the test signals and waits on it like Ctrl-C would.
        proc = subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, str(ROOT / "scripts" / "devstack.py")], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{api_port}"
    token = ""
    try:
        await _ready(base, proc, log)
        staff = {"Authorization": f"Bearer {ADMIN_KEY}"}
        async with httpx.AsyncClient(base_url=base, headers=staff, timeout=30) as http:
            partner = await http.post(
                "/api/v1/partners",
                json={"name": "Port Partners", "contact_name": "Pat", "contact_email": "pat@partners.example"},
            )
            assert partner.status_code == 201, partner.text
            created = await http.post(
                "/api/v1/projects",
                json={
                    "template": "co-curation",
                    "title": "Links that work",
                    "lead": {"name": "Lee", "email": "lee@museum.example"},
                    "partner_ids": [partner.json()["id"]],
                },
            )
            assert created.status_code == 201, created.text
            project_id = created.json()["id"]
            body = await _eventually_outbox_link(http)
            assert f"{base}/projects/{project_id}" in body, body

            person = {"name": "Rae", "email": "rae@respondents.example", "language": "en", "role": "participant"}
            added = await http.post(f"/api/v1/projects/{project_id}/respondents", json=person)
            assert added.status_code == 201, added.text
            engine = create_engine(StoreSettings(database_url=f"sqlite+aiosqlite:///{data_dir / 'engage.db'}"))
            try:
                task = wave_task(project_id, 0)
                sessions = create_sessionmaker(engine)
                await open_at(sessions, task, datetime.now(UTC))
                token = next(iter((await tokens_by_respondent(sessions, invite_key(task))).values()))
            finally:
                await engine.dispose()
            # Issue 14: staff read "[personal survey link]", never the token; the key sealing it is kept 0600.
            outbox = (await http.get("/api/v1/outbox", params={"project_id": project_id})).text
            assert token not in outbox and "[personal survey link]" in outbox
            assert (data_dir / "outbox_key").stat().st_mode & 0o777 == 0o600
            # Issue 14: the key Temporal's payloads are encrypted with was generated, kept 0600.
            assert (data_dir / "payload_keys").stat().st_mode & 0o777 == 0o600
            anonymous = httpx.AsyncClient(base_url=base, timeout=30)
            async with anonymous:
                assert (await anonymous.get(f"/api/v1/surveys/{token}")).status_code == 200
                assert (await anonymous.get(f"/s/{token}")).status_code == 200
                answered = await anonymous.post(f"/api/v1/surveys/{token}/responses", json={"answers": GOOD_ANSWERS})
                assert answered.status_code == 201, answered.text
                assert (await anonymous.get(f"/api/v1/surveys/{token}/nope")).status_code == 404
    finally:
        # Two Ctrl-C, the second while the first is being handled.
        proc.send_signal(signal.SIGINT)
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(120)
        finally:
            if proc.poll() is None:
                proc.kill()
    output = log.read_text(errors="replace")
    assert code == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert "stopping api" in output and "stopping temporal" in output
    assert token
    for name, text in (("make run output", output), ("temporal.log", (data_dir / "temporal.log").read_text())):
        assert token not in text, f"the survey token reached {name}"
    assert not any(port_in_use for port_in_use in (_listening(api_port), _listening(temporal_port)))


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0

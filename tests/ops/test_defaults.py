"""Defaults that let two stacks share one machine: nothing listens on a fixed port unless configured."""

from __future__ import annotations

import pytest

from worker import WorkerSettings


def test_the_workers_metrics_endpoint_is_off_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENGAGE_WORKER_METRICS_ADDRESS", raising=False)
    assert WorkerSettings().worker_metrics_address == ""
    monkeypatch.setenv("ENGAGE_WORKER_METRICS_ADDRESS", "127.0.0.1:9464")
    assert WorkerSettings().worker_metrics_address == "127.0.0.1:9464"

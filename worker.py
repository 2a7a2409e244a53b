"""The worker: composition root that wires workflows and activities onto the `engage` task queue.

Run `python worker.py`; run more copies to scale out (they share the task queue). Settings come
from the environment with working defaults (TEMPORAL_ADDRESS, DATABASE_URL, SMTP_URL, ...).
`build_worker` is also what the tests and benchmarks use, so they run exactly this wiring.

Operations: every log line is one JSON object on stderr (`configure_logging`); lines written while
a workflow or an activity runs carry its `workflow_id`, `run_id` and, for project work, the
`project_id` — and never personal data (exception messages, which can quote SQL parameters such
as an address, are reduced to their type and stack). Prometheus metrics come from the SDK's
runtime telemetry on ENGAGE_WORKER_METRICS_ADDRESS, off unless set (e.g. `127.0.0.1:9464`, then
`curl http://127.0.0.1:9464/metrics`): a fixed default port would clash between two stacks on one machine.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import IO, Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)
from temporalio.worker import Worker

from activities.registry import build_activities
from activities.settings import ActivitySettings
from api.temporal_connection import client_connect_config
from store.session import create_engine, create_sessionmaker
from store.settings import get_store_settings
from workflows.activation_guard import OnRefused
from workflows.naming import TASK_QUEUE, parse_follow_up_workflow_id, parse_project_workflow_id
from workflows.registry import WORKFLOWS, sandbox_runner

log = logging.getLogger("engage.worker")


class WorkerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ENGAGE_", extra="ignore")

    task_queue: str = TASK_QUEUE
    # ~350 KiB per cached workflow with the sandbox (bench/README.md): 2,000 keeps the worker near
    # 830 MiB with 10,000 projects open, and an evicted project costs one replay of its (short)
    # history on its next event (95 to 137 ms instead of 38 to 51 ms for an update, over two runs).
    max_cached_workflows: int = Field(default=2000, ge=0)
    log_level: str = "INFO"
    #: host:port of the Prometheus endpoint (the SDK's runtime telemetry); "" (the default) leaves it
    #: off, so two stacks on one machine never compete for a port. Give each worker its own port.
    worker_metrics_address: str = ""


def build_worker(
    client: Client,
    *,
    task_queue: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    activity_settings: ActivitySettings,
    max_cached_workflows: int = 2000,
    strict_sandbox: bool = False,
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS),
        activities=build_activities(sessionmaker, activity_settings),
        max_cached_workflows=max_cached_workflows,
        workflow_runner=sandbox_runner(strict=strict_sandbox, on_refused=count_refused_activations(client)),
    )


#: Metric (and alert, README "Operations") for workflows/activation_guard.py's refusals.
STALE_ACTIVATIONS_METRIC = "engage_stale_activations_refused"


def count_refused_activations(client: Client) -> OnRefused:
    """A counter of refused stale activations on the client's runtime (its Prometheus endpoint, if on),
    labelled by workflow kind (`project`, `followup`, `exchange`): ids never go into labels."""
    runtime = client.service_client.config.runtime or Runtime.default()
    counter = runtime.metric_meter.create_counter(
        STALE_ACTIVATIONS_METRIC, "Activations refused because a legacy query raced a pending workflow task"
    )

    def count(workflow_id: str) -> None:
        counter.add(1, {"workflow_kind": workflow_id.split("/", 1)[0]})

    return count


async def connect_client(runtime: Runtime | None = None) -> Client:
    """Connect as the API does (api/temporal_connection.py: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
    TEMPORAL_TLS_CA/CERT/KEY, TEMPORAL_API_KEY) plus the pydantic converter."""
    config = client_connect_config()
    return await Client.connect(**config, data_converter=pydantic_data_converter, runtime=runtime)


def create_runtime(metrics_address: str) -> Runtime:
    """The SDK runtime: Core's own log lines forwarded into Python logging (so they come out as JSON
    lines too), and Prometheus metrics on `metrics_address` unless it is ""."""
    forwarding = LogForwardingConfig(
        logger=logging.getLogger("temporalio.core"),
        append_target_to_name=False,
        prepend_target_on_message=False,
        append_log_fields_to_message=False,
    )
    logs = LoggingConfig(filter=TelemetryFilter(core_level="WARN", other_level="ERROR"), forwarding=forwarding)
    if metrics_address:
        try:
            return Runtime(
                telemetry=TelemetryConfig(logging=logs, metrics=PrometheusConfig(bind_address=metrics_address))
            )
        except ValueError:
            # A taken port must not stop the work: run, say so, and let the operator pick another.
            log.warning("metrics endpoint unavailable; running without it", extra={"metrics_address": metrics_address})
    return Runtime(telemetry=TelemetryConfig(logging=logs))


# -- structured logs ----------------------------------------------------------------------------

#: Attributes every LogRecord has; anything else on a record came from `extra=` and is logged as a field.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
#: What the SDK's loggers add (`temporal_activity` / `temporal_workflow`), flattened to these fields.
_TEMPORAL_FIELDS = {
    "workflow_id": "workflow_id",
    "run_id": "run_id",
    "workflow_run_id": "run_id",
    "workflow_type": "workflow_type",
    "activity_type": "activity_type",
    "activity_id": "activity_id",
    "attempt": "attempt",
    "task_queue": "task_queue",
    "update_name": "update_name",
    "update_id": "update_id",
}


_TEMPORAL_EXTRAS = frozenset({"temporal_workflow", "temporal_activity", "temporal_log"})


def project_id_of(workflow_id: str) -> str | None:
    """The project a workflow belongs to (`project/{id}`, `followup/{id}`), else None."""
    for parse in (parse_project_workflow_id, parse_follow_up_workflow_id):
        try:
            return parse(workflow_id)
        except ValueError:
            continue
    return None


class TemporalContextFilter(logging.Filter):
    """Give a line logged through any logger inside an activity the activity's ids.

    The SDK's `activity.logger` adds them itself; this covers module loggers (store/, SQLAlchemy)
    called from activity code, which run in the activity's context.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if "temporal_activity" not in record.__dict__ and activity.in_activity():
            info = activity.info()
            record.temporal_activity = {
                "activity_id": info.activity_id,
                "activity_type": info.activity_type,
                "attempt": info.attempt,
                "workflow_id": info.workflow_id,
                "workflow_run_id": info.workflow_run_id,
                "workflow_type": info.workflow_type,
            }
        return True


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(v) for v in value]
    return str(value)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, the Temporal ids, then `extra=` fields.

    Exceptions are logged as their type and stack only: their messages can quote request data or
    SQL parameters (an e-mail address, a name), which must never reach a log.
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("temporal_workflow", "temporal_activity"):
            details = record.__dict__.get(key)
            if isinstance(details, Mapping):
                line.update({field: details[k] for k, field in _TEMPORAL_FIELDS.items() if k in details})
        core = record.__dict__.get("temporal_log")
        if core is not None:  # a line from the SDK's Core (Rust), forwarded by `create_runtime`
            fields = _json_safe(core.fields)
            line["core_target"] = core.target
            line.update({field: fields[k] for k, field in _TEMPORAL_FIELDS.items() if k in fields})
            if fields:
                line["core_fields"] = fields
        for key, value in record.__dict__.items():
            if key in _RECORD_ATTRIBUTES or key.startswith("_") or key in _TEMPORAL_EXTRAS:
                continue
            line.setdefault(key, _json_safe(value))
        workflow_id = line.get("workflow_id")
        if isinstance(workflow_id, str) and "project_id" not in line:
            project_id = project_id_of(workflow_id)
            if project_id is not None:
                line["project_id"] = project_id
        if record.exc_info and record.exc_info[1] is not None:
            line.update(_exception_fields(record.exc_info[1]))
        return json.dumps(line, separators=(",", ":"))


#: Exceptions whose messages are written by the database or the OS, never quoting our data
#: ("database is locked", "connection was closed in the middle of operation"): logged in full.
_SAFE_MESSAGES = frozenset({"sqlite3.OperationalError", "asyncpg.exceptions.ConnectionDoesNotExistError"})


def _exception_fields(exc: BaseException) -> dict[str, Any]:
    chain: list[str] = []
    reason: str | None = None
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 10:
        name = f"{type(cause).__module__}.{type(cause).__qualname__}"
        chain.append(name)
        if reason is None and name in _SAFE_MESSAGES:
            reason = str(cause)[:200]
        elif reason is None and isinstance(cause, OSError) and cause.strerror:
            reason = cause.strerror  # "Connection refused": the OS's words, never our data
        cause = cause.__cause__ or cause.__context__
    fields: dict[str, Any] = {"error": chain[0], "traceback": "".join(traceback.format_tb(exc.__traceback__))}
    if len(chain) > 1:
        fields["error_chain"] = chain[1:]
    if reason is not None:
        fields["error_reason"] = reason
    return fields


def configure_logging(level: str | int = "INFO", stream: IO[str] | None = None) -> None:
    """JSON lines for every logger of the process, with Temporal ids, on `stream` (stderr)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(TemporalContextFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    # The SDK's DEBUG lines print whole activations and completions, payloads (addresses) included.
    temporal_level = max(root.level, logging.INFO)
    logging.getLogger("temporalio").setLevel(temporal_level)
    # The ids travel as fields; appending them to every message too would only repeat them.
    activity.logger.activity_info_on_message = False
    workflow.logger.workflow_info_on_message = False


async def main() -> None:
    settings = WorkerSettings()
    configure_logging(settings.log_level)
    runtime = create_runtime(settings.worker_metrics_address)
    client = await connect_client(runtime)
    engine = create_engine(get_store_settings())
    worker = build_worker(
        client,
        task_queue=settings.task_queue,
        sessionmaker=create_sessionmaker(engine),
        activity_settings=ActivitySettings(),
        max_cached_workflows=settings.max_cached_workflows,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info(
        "worker polling",
        extra={"task_queue": settings.task_queue, "metrics_address": settings.worker_metrics_address or None},
    )
    async with worker:
        await stop.wait()
        log.info("worker draining")
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())

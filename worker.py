"""The worker: composition root that wires workflows and activities onto the `engage` task queue.

Run `python worker.py`; run more copies to scale out (they share the task queue). Settings come
from the environment with working defaults (TEMPORAL_ADDRESS, DATABASE_URL, SMTP_URL, ...).
`build_worker` is also what the tests and benchmarks use, so they run exactly this wiring.

Operations: every log line is one JSON object on stderr (activities/worker_logging.py); lines written while
a workflow or an activity runs carry its `workflow_id`, `run_id` and, for project work, the
`project_id` — and never personal data (exception messages, which can quote SQL parameters such
as an address, are reduced to their type and stack). Prometheus metrics come from the SDK's
runtime telemetry on ENGAGE_WORKER_METRICS_ADDRESS, off unless set (e.g. `127.0.0.1:9464`, then
`curl http://127.0.0.1:9464/metrics`): a fixed default port would clash between two stacks on one machine.

At start-up the worker writes the daily retention Schedule (`engage-retention`, api/retention/schedule.py)
and the weekly digest's (`engage-weekly-digest`, api/digest/schedule.py, ENGAGE_DIGEST_*):
created if missing, brought up to date otherwise, an operator's pause kept. Settings are read before
anything connects: a bad one (e.g. ENGAGE_RETENTION_RESPONDENTS=3y) stops the worker with the field
named, before it polls.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)
from temporalio.service import RPCError
from temporalio.worker import Worker

from activities.registry import build_activities
from activities.settings import ActivitySettings
from activities.worker_logging import configure_logging
from api.digest.schedule import DigestSettings, ensure_digest_schedule
from api.retention.schedule import ensure_retention_schedule
from api.temporal_connection import PayloadKeysMissing, client_connect_config, data_converter
from store.session import create_engine, create_sessionmaker
from store.settings import get_store_settings
from workflows.activation_guard import OnRefused
from workflows.naming import TASK_QUEUE
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
    TEMPORAL_TLS_CA/CERT/KEY, TEMPORAL_API_KEY) plus the pydantic converter and the payload codec
    (ENGAGE_PAYLOAD_KEYS)."""
    config = client_connect_config()
    return await Client.connect(**config, data_converter=data_converter(), runtime=runtime)


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


async def write_schedules(client: Client, task_queue: str, digest: DigestSettings | None = None) -> None:
    """The daily retention schedule and the weekly digest's (ENGAGE_DIGEST_*). Not fatal when Temporal
    refuses one (e.g. schedules are off on the cluster): the worker still serves every other workflow,
    and says so loudly at each start."""
    try:
        created = await ensure_retention_schedule(client, task_queue)
    except RPCError as err:
        log.error("retention schedule not written", extra={"status": err.status.name})
    else:
        log.info("retention schedule " + ("created" if created else "up to date"), extra={"task_queue": task_queue})
    try:
        written = await ensure_digest_schedule(client, task_queue, digest or DigestSettings())
    except RPCError as err:
        log.error("digest schedule not written", extra={"status": err.status.name})
        return
    state = "off (deleted)" if written is None else "created" if written else "up to date"
    log.info("digest schedule " + state, extra={"task_queue": task_queue})


async def main() -> None:
    settings = WorkerSettings()
    activity_settings = ActivitySettings()
    digest_settings = DigestSettings()
    configure_logging(settings.log_level)
    runtime = create_runtime(settings.worker_metrics_address)
    client = await connect_client(runtime)
    await write_schedules(client, settings.task_queue, digest_settings)
    engine = create_engine(get_store_settings())
    worker = build_worker(
        client,
        task_queue=settings.task_queue,
        sessionmaker=create_sessionmaker(engine),
        activity_settings=activity_settings,
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
    try:
        asyncio.run(main())
    except PayloadKeysMissing as err:  # refuse to start, in words, rather than write payloads in clear
        sys.exit(f"worker: {err}")
    except ValidationError as err:  # a setting out of range: name it, no traceback
        sys.exit(f"worker: a setting is not valid: {err}")

"""The worker process's logs: one JSON object a line on stderr, with Temporal ids, never personal data.

Lines written while a workflow or an activity runs carry its `workflow_id`, `run_id` and, for project
work, the `project_id`. Exception messages, which can quote SQL parameters such as an address, are
reduced to their type and stack. `worker.py` calls `configure_logging` once at start.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import IO, Any

from temporalio import activity, workflow

from workflows.naming import parse_follow_up_workflow_id, parse_project_workflow_id

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

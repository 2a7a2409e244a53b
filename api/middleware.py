"""Request context: a correlation id per request, one structured log line, and the last-resort 500.

A pure ASGI middleware rather than an exception handler for `Exception`: Starlette re-raises
after such a handler runs, which would crash test clients and double-log. Here an unexpected
error becomes the one error shape (`error`, `detail`, `errors`) plus a `correlation_id`, and a log entry carrying the
same id, the exception type and the traceback, but not the exception's message, which can quote
request data (an e-mail address in an SQL parameter, say). Log lines carry method, route,
status and timing only: never bodies, query strings or keys — plus, on a route about one project,
its `project_id` and `workflow_id` (ids only, and only when the path segment is shaped like an id).
The same measurements feed the Prometheus series in `api.metrics`.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
import uuid

import structlog
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.error_shape import error_body
from api.errors import INTERNAL_ERROR
from api.metrics import ApiMetrics
from workflows.naming import project_workflow_id

log = structlog.get_logger("engage.api")


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stdout, unless the process has configured structlog itself already.

    uvicorn's own access log is switched off however uvicorn was started (`--no-access-log` or not,
    docker-compose included): it prints raw paths, and a survey link's path is its token. The
    request line below, with the route template, is the access log.
    """
    logging.getLogger("uvicorn.access").disabled = True
    if structlog.is_configured():
        return
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )


REQUEST_ID_HEADER = "x-request-id"
#: Only an id-shaped path segment is logged: anything else (an address typed into a URL) is not.
_PROJECT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def project_fields(scope: Scope) -> dict[str, str]:
    """`project_id` and `workflow_id` of a request whose route names a project, else nothing."""
    project_id = (scope.get("path_params") or {}).get("project_id")
    if not isinstance(project_id, str) or not _PROJECT_ID.match(project_id):
        return {}
    return {"project_id": project_id, "workflow_id": project_workflow_id(project_id)}


class RequestContext:
    def __init__(self, app: ASGIApp, metrics: ApiMetrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        response_started = False
        status_code = 500

        async def send_with_id(message: Message) -> None:
            nonlocal response_started, status_code
            if message["type"] == "http.response.start":
                response_started = True
                status_code = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (REQUEST_ID_HEADER.encode(), request_id.encode())]
            await send(message)

        started_at = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log.error(
                "unhandled_error",
                request_id=request_id,
                error=type(exc).__name__,
                traceback="".join(traceback.format_tb(exc.__traceback__)),
            )
            if not response_started:
                response = JSONResponse(
                    error_body(500, INTERNAL_ERROR, correlation_id=request_id),
                    status_code=500,
                    headers={REQUEST_ID_HEADER: request_id},
                )
                await response(scope, receive, send)
        finally:
            elapsed = time.perf_counter() - started_at
            route = getattr(scope.get("route"), "path", None)
            log.info(
                "request",
                request_id=request_id,
                method=scope.get("method"),
                route=route,
                status=status_code,
                duration_ms=round(elapsed * 1000, 2),
                **project_fields(scope),
            )
            if self.metrics is not None:
                self.metrics.observe(str(scope.get("method")), route, status_code, elapsed)

"""Request context: a correlation id per request, one structured log line, and the last-resort 500.

A pure ASGI middleware rather than an exception handler for `Exception`: Starlette re-raises
after such a handler runs, which would crash test clients and double-log. Here an unexpected
error becomes `{"detail": INTERNAL_ERROR, "correlation_id": ...}` and a log entry carrying the
same id, the exception type and the traceback, but not the exception's message, which can quote
request data (an e-mail address in an SQL parameter, say). Log lines carry method, route,
status and timing only: never bodies, query strings or keys.
"""

from __future__ import annotations

import logging
import time
import traceback
import uuid

import structlog
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import INTERNAL_ERROR

log = structlog.get_logger("engage.api")


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stdout, unless the process has configured structlog itself already."""
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


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
                    {"detail": INTERNAL_ERROR, "correlation_id": request_id},
                    status_code=500,
                    headers={REQUEST_ID_HEADER: request_id},
                )
                await response(scope, receive, send)
        finally:
            route = scope.get("route")
            log.info(
                "request",
                request_id=request_id,
                method=scope.get("method"),
                route=getattr(route, "path", None),
                status=status_code,
                duration_ms=round((time.perf_counter() - started_at) * 1000, 2),
            )

"""Liveness and readiness probes for load balancers and orchestrators (no API key needed)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog
from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from api.access import access
from api.deps import SessionmakerDep, TemporalDep
from api.error_shape import error_body
from api.errors import SERVICE_UNAVAILABLE
from store.session import ping

router = APIRouter(tags=["health"], dependencies=[access("public")])
log = structlog.get_logger("engage.api")

CHECK_TIMEOUT_SECONDS = 2.0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up and serving requests."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses={503: {"description": "Temporal or the database cannot be reached."}},
)
async def readyz(client: TemporalDep, sessionmaker: SessionmakerDep) -> JSONResponse:
    """Temporal answers its health check and the database answers `SELECT 1`."""

    async def temporal() -> bool:
        return await client.service_client.check_health(timeout=timedelta(seconds=CHECK_TIMEOUT_SECONDS))

    async def database() -> bool:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), sessionmaker() as session:
            await ping(session)
        return True

    results = await asyncio.gather(temporal(), database(), return_exceptions=True)
    checks = {
        name: "ok" if result is True else "unavailable"
        for name, result in zip(("temporal", "database"), results, strict=True)
    }
    for name, result in zip(("temporal", "database"), results, strict=True):
        if isinstance(result, BaseException):
            log.warning("readiness_check_failed", check=name, error=type(result).__name__)
    ready = all(value == "ok" for value in checks.values())
    body: dict[str, object] = {"status": "ready" if ready else "unavailable", "checks": checks}
    if not ready:  # the one error shape too, beside the checks
        down = [(name, "unavailable") for name, value in checks.items() if value != "ok"]
        body = {**error_body(status.HTTP_503_SERVICE_UNAVAILABLE, SERVICE_UNAVAILABLE, down), **body}
    return JSONResponse(
        body,
        status_code=status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE,
        headers=None if ready else {"Retry-After": "5"},
    )

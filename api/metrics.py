"""Prometheus metrics of the API: requests counted and timed by route template and status.

Labels use the route *template* (`/api/v1/projects/{project_id}`), never the path, so a million
projects make one series, not a million; a request that matched no route is `route="unmatched"`.
Each app owns its registry (no module globals), so two apps in one test process do not collide.
Scrape `GET /metrics` with a staff key (`Authorization: Bearer …`, Prometheus' `authorization`
setting): counts and timings hold no one's data, but they tell a stranger how the service is used
and where it is slow, so they are not public on the API's port.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

from api.access import access
from api.auth import Principal

UNMATCHED_ROUTE = "unmatched"


class ApiMetrics:
    """The API's series, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "engage_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "engage_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status.",
            ("method", "route", "status"),
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
            registry=self.registry,
        )

    def observe(self, method: str, route: str | None, status: int, seconds: float) -> None:
        labels = (method, route or UNMATCHED_ROUTE, str(status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)


def install_metrics(app: FastAPI, metrics: ApiMetrics) -> None:
    """Serve `GET /metrics` in the Prometheus text format to staff keys (left out of the OpenAPI schema)."""

    async def scrape(request: Request, staff: Annotated[Principal, access("staff")]) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.add_api_route("/metrics", scrape, methods=["GET"], include_in_schema=False)

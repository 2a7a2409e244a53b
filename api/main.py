"""The Engage HTTP API: `create_app()` wires settings, routers, error mapping and the lifespan.

Run with `uvicorn --factory api.main:create_app`. The lifespan connects to Temporal (the SDK's
environment configuration, `TEMPORAL_ADDRESS`, plus the pydantic data converter, exactly as
worker.py does) and opens the database engine, and closes what it opened. Tests pass their own
client and sessionmaker: those are used as given and never closed here. No module globals.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.service import RetryConfig

from api.auth import KeyCache
from api.docs import install_docs
from api.errors import install_error_handlers
from api.http_guards import HttpGuards
from api.metrics import ApiMetrics, install_metrics
from api.middleware import RequestContext, configure_logging
from api.openapi_doc import install_openapi
from api.pages.mount import install_pages
from api.partners.known import KnownPartners
from api.rate_limits import install_rate_limits
from api.routers import JSON_ROUTERS
from api.settings import ApiSettings
from api.temporal_connection import client_connect_config, data_converter
from domain.instruments import InstrumentCatalog
from domain.templates import TemplateCatalog
from store.session import create_engine, create_sessionmaker
from store.settings import get_store_settings

#: The API answers a person waiting on a page: when Temporal is down it should say 503 with
#: Retry-After within a couple of seconds, not retry for the SDK's default ten.
API_RETRY = RetryConfig(max_elapsed_time_millis=2_000, max_retries=4)


async def connect_temporal() -> Client:
    """Connect as the worker does (api/temporal_connection.py: address, namespace, mutual TLS or an
    API key) with the pydantic converter and the payload codec (ENGAGE_PAYLOAD_KEYS: without keys it
    refuses, and the API does not start).

    Lazy, so the API starts (and `/readyz` says 503) even while Temporal is still starting.
    """
    config = client_connect_config()
    return await Client.connect(**config, data_converter=data_converter(), retry_config=API_RETRY, lazy=True)


def create_app(
    settings: ApiSettings | None = None,
    *,
    client: Client | None = None,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
) -> FastAPI:
    """Build the app. `client` and `sessionmaker`, when given, are used as is and not closed."""
    settings = settings or ApiSettings()
    configure_logging()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine: AsyncEngine | None = None
        if getattr(app.state, "client", None) is None:
            app.state.client = await connect_temporal()
        if getattr(app.state, "sessionmaker", None) is None:
            engine = create_engine(get_store_settings())
            app.state.sessionmaker = create_sessionmaker(engine)
        try:
            yield
        finally:
            if engine is not None:
                await engine.dispose()
                app.state.sessionmaker = None
            if client is None:
                # The SDK client holds no resources to release; forget it so a restart reconnects.
                app.state.client = None

    app = FastAPI(
        title="Engage",
        summary="Community engagement projects as durable processes.",
        version="0.1.0",
        lifespan=lifespan,
        # 👉 /docs is served by api.docs with Swagger UI from an installed package, not a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.catalog = TemplateCatalog.load_shipped()
    app.state.instruments = InstrumentCatalog.load_shipped()
    app.state.key_cache = KeyCache(settings.key_cache_seconds)
    app.state.known_partners = KnownPartners()
    # 👉 Injected dependencies are usable at once, even when a test client skips the lifespan.
    app.state.client = client
    app.state.sessionmaker = sessionmaker
    install_error_handlers(app)
    install_docs(app)
    install_openapi(app)
    # 👉 Request counts and latencies by route template and status, scraped at GET /metrics.
    metrics = ApiMetrics()
    app.state.metrics = metrics
    # 👉 Innermost: a 429 gets HttpGuards' headers and is logged and counted by RequestContext.
    install_rate_limits(app, settings)
    # 👉 Added first, so it runs inside RequestContext: a 413 or 422 it answers is logged and counted too.
    app.add_middleware(HttpGuards, max_body_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_upload_bytes)
    app.add_middleware(RequestContext, metrics=metrics)
    install_metrics(app, metrics)
    for router in JSON_ROUTERS:
        app.include_router(router)
    install_pages(app, settings)
    return app

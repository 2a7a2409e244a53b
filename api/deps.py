"""Dependencies as `Annotated` aliases: what a route needs, named once.

Everything comes from `app.state` (set by the lifespan in `api.main`) through
`api.app_services.services_of`, never from module globals,
so tests inject their own Temporal client and database. `PrincipalDep` opens no database session
when the key is cached, which keeps `GET /api/v1/projects/{id}` to one Temporal query. Who may call
a route is not here but in `api.access` (its table and rules build on `current_principal`). Every
dependency is `async def`, even the trivial ones: FastAPI runs a plain `def` dependency in a
thread pool, a hop that cost more than the rest of the request put together.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.app_services import AppServices, services_of
from api.auth import KeyCache, Principal, authenticate
from api.settings import ApiSettings
from domain.instruments import InstrumentCatalog
from domain.templates import TemplateCatalog


async def get_settings(request: Request) -> ApiSettings:
    return services_of(request).settings


async def get_client(request: Request) -> Client:
    return services_of(request).client


async def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    return services_of(request).sessionmaker


async def get_catalog(request: Request) -> TemplateCatalog:
    return services_of(request).catalog


async def get_instruments(request: Request) -> InstrumentCatalog:
    return services_of(request).instruments


async def get_key_cache(request: Request) -> KeyCache:
    return services_of(request).key_cache


async def get_services(request: Request) -> AppServices:
    return services_of(request)


ServicesDep = Annotated[AppServices, Depends(get_services)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
TemporalDep = Annotated[Client, Depends(get_client)]
SessionmakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]
CatalogDep = Annotated[TemplateCatalog, Depends(get_catalog)]
InstrumentsDep = Annotated[InstrumentCatalog, Depends(get_instruments)]
KeyCacheDep = Annotated[KeyCache, Depends(get_key_cache)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    # 👉 Reads the app's services itself rather than through SessionmakerDep: every dependency FastAPI solves
    # costs each request measurable time (bench/README.md), and this one is on nearly every route.
    async with services_of(request).sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False, description="An Engage API key: `Authorization: Bearer engage_...`")


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    # 👉 App-wide services read directly, not as sub-dependencies: this runs on every
    # authenticated request, and each dependency FastAPI solves costs time (bench/README.md).
    services = services_of(request)
    token = credentials.credentials if credentials is not None else None
    principal = await authenticate(
        token, admin_key=services.settings.admin_key, cache=services.key_cache, sessionmaker=services.sessionmaker
    )
    # 👉 api.errors reads this to answer a partner's refusal on someone else's project with 404.
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


IdempotencyKeyDep = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Send the same value when retrying: the request then takes effect at most once.",
    ),
]

LimitQuery = Annotated[int, Query(ge=1, le=200, description="Items per page.")]
OffsetQuery = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]

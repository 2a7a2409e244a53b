"""The app-wide services on `app.state`, typed: one object for routes, pages and dependencies.

`api.main.create_app` puts them on `app.state`; everything that needs them reads them through
`AppServices`, so their types are stated once. Read at request time, not when the app is built:
the lifespan may set the client and sessionmaker after `create_app` returned.

One dependency (`api.deps.ServicesDep`) rather than one per service on the busiest routes:
FastAPI solves each dependency on every request, and measured that cost more than the work it
fetched (bench/README.md).

`services_of(request)` is the one place that reads `request.app.state`: routes get it through
`api.deps`, pages and services call it directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import State
from starlette.requests import HTTPConnection
from temporalio.client import Client

from api.auth import KeyCache
from api.partners.known import KnownPartners
from api.settings import ApiSettings
from domain.instruments import InstrumentCatalog
from domain.templates import TemplateCatalog

if TYPE_CHECKING:
    from api.pages.viewer import Pages


class AppServices:
    def __init__(self, state: State) -> None:
        self._state = state

    @property
    def client(self) -> Client:
        client: Client = self._state.client
        return client

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        sessionmaker: async_sessionmaker[AsyncSession] = self._state.sessionmaker
        return sessionmaker

    @property
    def settings(self) -> ApiSettings:
        settings: ApiSettings = self._state.settings
        return settings

    @property
    def catalog(self) -> TemplateCatalog:
        catalog: TemplateCatalog = self._state.catalog
        return catalog

    @property
    def instruments(self) -> InstrumentCatalog:
        instruments: InstrumentCatalog = self._state.instruments
        return instruments

    @property
    def key_cache(self) -> KeyCache:
        cache: KeyCache = self._state.key_cache
        return cache

    @property
    def known_partners(self) -> KnownPartners:
        known: KnownPartners = self._state.known_partners
        return known

    @property
    def pages(self) -> Pages:
        """The page plumbing (Jinja2, signer), put there by `api.pages.mount.install_pages`."""
        pages: Pages = self._state.pages
        return pages


def services_of(connection: HTTPConnection) -> AppServices:
    """The app-wide services for this request (or websocket): the only reader of `app.state`."""
    return AppServices(connection.app.state)

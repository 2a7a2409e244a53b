"""Probes, outages as 503, the last-resort 500, and connecting to Temporal as production does."""

from __future__ import annotations

import uuid

from api.deps import get_catalog
from api.errors import INTERNAL_ERROR, SERVICE_UNAVAILABLE
from api.main import create_app
from api.settings import ApiSettings
from store.session import create_engine, create_sessionmaker
from store.settings import StoreSettings
from tests.api.conftest import ADMIN_KEY, http_client
from tests.api.support import create_partner, create_project, ok, read_project


async def test_healthz_and_readyz_are_200_when_temporal_and_the_database_are_up(api):
    assert ok(await api.http.get("/healthz"), 200) == {"status": "ok"}
    assert ok(await api.http.get("/readyz"), 200) == {
        "status": "ready",
        "checks": {"temporal": "ok", "database": "ok"},
    }


async def test_a_database_outage_is_503_with_retry_after_never_500(temporal_dev_env):
    # Nothing listens on port 1: every connection attempt is refused.
    engine = create_engine(StoreSettings(database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none", pool_size=1))
    try:
        app = create_app(
            ApiSettings(admin_key=ADMIN_KEY),
            client=temporal_dev_env.client,
            sessionmaker=create_sessionmaker(engine),
        )
        async with http_client(app) as http:
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"] == {"temporal": "ok", "database": "unavailable"}
            listed = await http.get("/api/v1/partners")
            assert listed.status_code == 503
            assert listed.json()["detail"] == SERVICE_UNAVAILABLE
            assert listed.headers["Retry-After"] == "5"
    finally:
        await engine.dispose()


async def test_an_unexpected_error_is_500_with_a_correlation_id_and_no_internals(api):
    def broken() -> None:
        raise RuntimeError("internal detail that must not leak")

    api.app.dependency_overrides[get_catalog] = broken
    try:
        response = await api.http.get("/api/v1/templates")
    finally:
        api.app.dependency_overrides.clear()
    assert response.status_code == 500
    body = response.json()
    assert body == {
        "error": "InternalError",
        "detail": INTERNAL_ERROR,
        "errors": [],
        "correlation_id": response.headers["x-request-id"],
    }
    assert len(body["correlation_id"]) == 32
    assert "leak" not in response.text


async def test_the_api_connects_from_the_environment_and_agrees_with_the_worker(api, monkeypatch):
    """The app opens its own client from TEMPORAL_ADDRESS; the worker (fixture client) runs what it starts."""
    target = api.client.service_client.config.target_host
    monkeypatch.setenv("TEMPORAL_ADDRESS", target)
    monkeypatch.setenv("TEMPORAL_NAMESPACE", api.client.namespace)
    app = create_app(ApiSettings(admin_key=ADMIN_KEY, task_queue=api.task_queue), sessionmaker=api.sessionmaker)
    async with app.router.lifespan_context(app), http_client(app) as own:
        assert app.state.client is not api.client
        assert ok(await own.get("/readyz"), 200)["status"] == "ready"
        partner = await create_partner(api, f"Partner {uuid.uuid4().hex[:6]}")
        created = ok(
            await own.post(
                "/api/v1/projects",
                json={
                    "template": "co-curation",
                    "title": "Started through the environment's client",
                    "lead": {"name": "Lead", "email": "lead@museum.example"},
                    "partner_ids": [partner["id"]],
                    "follow_up_schedule": ["PT10S"],
                },
            ),
            201,
        )
    seen = await read_project(api.http, created["id"])
    assert seen["title"] == "Started through the environment's client"
    assert seen["follow_up_schedule"] == ["PT10S"]
    assert seen["stage"] == "proposal"
    assert app.state.client is None  # the lifespan forgot the client it opened
    assert (await create_project(api, [partner["id"]]))["stage"] == "proposal"

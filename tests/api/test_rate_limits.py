"""Rate limits (issue 14, api/rate_limits.py) over HTTP on the dev server and a real database, with tight
limits set in the app's settings: a flood of public applications from one address is cut at the limit
with 429, Retry-After and the one error shape, and nothing beyond the limit is stored, while another
address still applies; sign-in attempts, survey links and key writes are limited; pages say it in words."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from activities.settings import ActivitySettings
from api.errors import TOO_MANY_REQUESTS
from api.main import create_app
from api.rate_limits import client_address, trusted_networks
from api.settings import ApiSettings
from store.tables import ExchangeApplication
from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.exchange_support import application_body, apply, fresh_year, programme_body
from tests.api.support import create_partner, eventually, ok, partner_client
from worker import build_worker

TIGHT = {
    "rate_limit_applications": "5/minute",
    "rate_limit_sign_in": "3/minute",
    "rate_limit_survey_token": "4/minute",
    "rate_limit_survey_address": "10/minute",
    "rate_limit_key_writes": "6/minute",
}


@pytest.fixture
async def limited(
    temporal_dev_env: WorkflowEnvironment, task_queue: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Api]:
    """The `api` fixture's app and worker, with the tight limits above."""
    client = temporal_dev_env.client
    worker = build_worker(
        client, task_queue=task_queue, sessionmaker=sessionmaker, activity_settings=ActivitySettings(smtp_url=None)
    )
    settings = ApiSettings(admin_key=ADMIN_KEY, task_queue=task_queue, **TIGHT)  # type: ignore[arg-type]
    app = create_app(settings, client=client, sessionmaker=sessionmaker)
    async with worker, app.router.lifespan_context(app), http_client(app) as http:
        yield Api(http=http, app=app, client=client, sessionmaker=sessionmaker, task_queue=task_queue)


def from_address(app: FastAPI, address: str, key: str | None = None) -> httpx.AsyncClient:
    """A client whose connection comes from `address` (as the ASGI scope's peer)."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://engage.test", headers=headers)


def assert_too_many(response: httpx.Response) -> int:
    """A JSON 429 in the one error shape, with whole seconds in Retry-After; returns them."""
    assert response.status_code == 429, (response.status_code, response.text)
    assert response.json() == {"error": "TooManyRequests", "detail": TOO_MANY_REQUESTS, "errors": []}
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 60
    return seconds


async def stored_applications(api: Api, year: int) -> int:
    async with api.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(ExchangeApplication).where(ExchangeApplication.year == year)
        )
    return int(count or 0)


async def test_a_flood_of_applications_from_one_address_is_cut_at_the_limit_and_stores_nothing_more(
    limited: Api,
) -> None:
    year = fresh_year()
    partner = (await create_partner(limited))["id"]
    ok(
        await limited.http.post(
            "/api/v1/exchange/programmes", json=programme_body(year, [partner], closes_in=timedelta(hours=1))
        ),
        201,
    )
    async with from_address(limited.app, "10.0.0.9") as first:  # waits until the programme takes applications
        await eventually(
            lambda: apply(first, year, application_body("Ann", "ann@museum.example", "museum")),
            lambda r: r.status_code == 201,
        )
    assert await stored_applications(limited, year) == 1

    async with from_address(limited.app, "10.0.0.1") as flooder:
        answers = [
            await apply(flooder, year, application_body(f"Flood {n}", f"flood{n}@museum.example", "museum"))
            for n in range(12)
        ]
        assert [a.status_code for a in answers] == [201] * 5 + [429] * 7
        for refused in answers[5:]:
            assert_too_many(refused)
        assert await stored_applications(limited, year) == 1 + 5

        # The form is limited by the same count, and says so in words before reading the form at all.
        page = await flooder.post(f"/exchange/{year}/apply", data={"name": "Flood 99"})
        assert page.status_code == 429 and page.headers["content-type"].startswith("text/html")
        assert "Too many applications" in page.text and "Please wait" in page.text
        assert int(page.headers["Retry-After"]) >= 1

    async with from_address(limited.app, "10.0.0.2") as neighbour:
        ok(await apply(neighbour, year, application_body("Bea", "bea@museum.example", "museum")), 201)
    assert await stored_applications(limited, year) == 1 + 5 + 1


async def test_sign_in_attempts_are_limited_per_address_even_with_the_right_key(limited: Api) -> None:
    async with from_address(limited.app, "10.0.1.1") as guesser:
        for n in range(3):
            wrong = await guesser.post("/sign-in", data={"key": f"engage_wrong-{n}"})
            assert wrong.status_code != 429
        blocked = await guesser.post("/sign-in", data={"key": ADMIN_KEY})
        assert blocked.status_code == 429 and blocked.headers["content-type"].startswith("text/html")
        assert "Too many sign-in attempts" in blocked.text and not blocked.text.lstrip().startswith("{")
        assert int(blocked.headers["Retry-After"]) >= 1
    async with from_address(limited.app, "10.0.1.2") as other:
        assert (await other.post("/sign-in", data={"key": "engage_wrong"})).status_code != 429


async def test_a_survey_link_is_limited_per_token_and_guessing_links_per_address(limited: Api) -> None:
    async with from_address(limited.app, "10.0.2.1") as respondent:
        token = "t" * 43
        for _ in range(4):
            assert (await respondent.get(f"/api/v1/surveys/{token}")).status_code == 404
        assert_too_many(await respondent.get(f"/api/v1/surveys/{token}"))
        page = await respondent.get(f"/s/{token}")  # the page and the API count together for one link
        assert page.status_code == 429 and page.headers["content-type"].startswith("text/html")
        assert "Please wait a moment" in page.text and "Arhoswch am ychydig" in page.text
        welsh = await respondent.get(f"/s/{token}?lang=cy")
        assert welsh.status_code == 429 and "Rhowch gynnig arall arni" in welsh.text
        assert "Please wait" not in welsh.text and 'lang="cy"' in welsh.text

        # Another link from the same address is counted apart, up to the address's own limit (10).
        statuses = [(await respondent.get(f"/api/v1/surveys/guess-{n}")).status_code for n in range(5)]
        assert statuses == [404, 404, 404, 429, 429]  # 7 requests counted before: 3 more reach 10
    async with from_address(limited.app, "10.0.2.2") as elsewhere:
        assert (await elsewhere.get("/api/v1/surveys/guess-9")).status_code == 404


async def test_key_writes_are_limited_per_key_and_reads_are_not(limited: Api) -> None:
    partner = (await create_partner(limited))["id"]  # write 1 with the admin key
    async with await partner_client(limited, partner) as as_partner:  # write 2
        for _ in range(4):  # writes 3..6
            ok(await limited.http.post("/api/v1/partners", json={"name": "?"}), 422)
        assert_too_many(await limited.http.post("/api/v1/partners", json={"name": "?"}))
        assert_too_many(await limited.http.post("/projects", data={}))  # a key's client reads JSON, any path
        assert (await limited.http.get("/api/v1/partners")).status_code == 200
        other_key = await as_partner.post("/api/v1/projects", json={})
        assert other_key.status_code == 422


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy() -> None:
    scope = {"client": ("203.0.113.7", 1), "headers": [(b"x-forwarded-for", b"198.51.100.1, 10.1.2.3")]}
    assert client_address(scope, ()) == "203.0.113.7"  # the default: the header is ignored
    assert client_address(scope, trusted_networks("10.0.0.0/8")) == "203.0.113.7"  # not from the proxy
    proxied = {**scope, "client": ("10.9.9.9", 1)}
    assert client_address(proxied, trusted_networks("10.0.0.0/8")) == "198.51.100.1"
    spoofed = {**proxied, "headers": [(b"x-forwarded-for", b"1.1.1.1, 198.51.100.1")]}
    assert client_address(spoofed, trusted_networks("10.0.0.0/8")) == "198.51.100.1"
    garbled = {**proxied, "headers": [(b"x-forwarded-for", b"not-an-address")]}
    assert client_address(garbled, trusted_networks("10.0.0.0/8")) == "10.9.9.9"


def test_limits_come_from_the_environment_and_a_bad_one_stops_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGAGE_RATE_LIMIT_APPLICATIONS", "2/second;7/hour")
    assert ApiSettings().rate_limit_applications == "2/second;7/hour"
    with pytest.raises(ValueError):
        create_app(ApiSettings(rate_limit_sign_in="lots"))


def test_every_limited_route_documents_429_in_the_one_error_shape() -> None:
    spec = create_app(ApiSettings(admin_key=ADMIN_KEY)).openapi()
    paths = spec["paths"]
    for path, method in (
        ("/api/v1/exchange/programmes/{year}/applications", "post"),
        ("/api/v1/surveys/{token}", "get"),
        ("/api/v1/surveys/{token}/responses", "post"),
        ("/api/v1/partners", "post"),
    ):
        described = paths[path][method]["responses"]["429"]
        assert described["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
        assert "Retry-After" in described["headers"]
    writes = [op for ops in paths.values() for m, op in ops.items() if m in ("post", "put", "patch", "delete")]
    assert all("429" in op["responses"] for op in writes)
    assert "429" not in paths["/api/v1/partners"]["get"]["responses"]


async def test_with_the_default_limits_300_applications_in_a_burst_store_20(api: Api) -> None:
    """The measured flood (300 public applications from one address in seconds) on the shipped defaults."""
    year = fresh_year()
    partner = (await create_partner(api))["id"]
    body = programme_body(year, [partner], closes_in=timedelta(hours=1))
    ok(await api.http.post("/api/v1/exchange/programmes", json=body), 201)
    async with from_address(api.app, "10.0.3.9") as first:
        await eventually(
            lambda: apply(first, year, application_body("Ann", "ann@museum.example", "museum")),
            lambda r: r.status_code == 201,
        )
    async with from_address(api.app, "10.0.3.1") as flooder:
        started = time.monotonic()
        statuses = Counter(
            [
                (await apply(flooder, year, application_body(f"F{n}", f"f{n}@museum.example", "museum"))).status_code
                for n in range(300)
            ]
        )
        took = time.monotonic() - started
    assert statuses == {201: 20, 429: 280}, statuses
    assert await stored_applications(api, year) == 1 + 20
    print(f"RATE-LIMIT 300 applications from one address in {took:.1f} s: {dict(statuses)}; 21 rows")  # noqa: T201

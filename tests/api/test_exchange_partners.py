"""Partners that do not confirm, and calls that have not opened, over HTTP on the dev server and a real
database: a lapsed partner is replaced, its staff can no longer apply and the replacement's can; an
application before the call opens is refused; the programme is staff's to read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.exchange.errors import CALL_NOT_OPEN, NOT_A_PARTNER
from tests.api.conftest import Api, http_client
from tests.api.exchange_support import application_body, apply, fresh_year, programme, programme_body
from tests.api.support import create_partner, eventually, ok, partner_client


async def test_a_partner_that_does_not_confirm_in_time_is_replaced_and_only_active_partners_staff_apply(
    api: Api,
) -> None:
    year = fresh_year()
    quiet = (await create_partner(api, "Quiet Museum Trust"))["id"]
    keen = (await create_partner(api, "Keen Arts Centre"))["id"]
    body = programme_body(
        year, [quiet], closes_in=timedelta(hours=1), confirm_by=(datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    )
    ok(await api.http.post("/api/v1/exchange/programmes", json=body), 201)

    unknown = await api.http.post(
        f"/api/v1/exchange/programmes/{year}/partners/{quiet}/replace", json={"replacement_partner_id": "nobody"}
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "replacement_partner_id"
    early = await api.http.post(
        f"/api/v1/exchange/programmes/{year}/partners/{quiet}/replace", json={"replacement_partner_id": keen}
    )
    assert early.status_code == 409 and early.json()["errors"][0]["field"] == "partner_id"

    await eventually(
        lambda: programme(api.http, year), lambda p: p["partners"][0]["status"] == "lapsed", within_seconds=15
    )
    async with await partner_client(api, quiet) as as_quiet:
        late = await as_quiet.post(f"/api/v1/exchange/programmes/{year}/partners/{quiet}/confirm")
        assert late.status_code == 409 and late.json()["errors"][0]["reason"] == "the deadline to confirm has passed"
    replaced = ok(
        await api.http.post(
            f"/api/v1/exchange/programmes/{year}/partners/{quiet}/replace", json={"replacement_partner_id": keen}
        ),
        200,
    )
    assert [(p["partner_id"], p["status"]) for p in replaced["partners"]] == [(quiet, "replaced"), (keen, "pending")]

    async with http_client(api.app, key=None) as public:
        await eventually(  # the replacement reaches the programme's row, which the call checks
            lambda: apply(public, year, application_body("Kim Keen", "kim@keen.example", keen)),
            lambda r: r.status_code == 201,
        )
        refused = await apply(public, year, application_body("Quinn Quiet", "quinn@quiet.example", quiet))
        assert refused.status_code == 422 and (
            refused.json()["errors"][0]["field"],
            refused.json()["errors"][0]["reason"],
        ) == (
            "organisation",
            NOT_A_PARTNER,
        )


async def test_an_application_before_the_call_opens_is_refused_and_programmes_are_staffs_to_read(api: Api) -> None:
    year = fresh_year()
    partner = (await create_partner(api))["id"]
    now = datetime.now(UTC)
    window = {"opens_at": (now + timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=2)).isoformat()}
    body = programme_body(year, [partner], closes_in=timedelta(days=2), application_window=window)
    ok(await api.http.post("/api/v1/exchange/programmes", json=body), 201)

    async with http_client(api.app, key=None) as public:
        early = await apply(public, year, application_body("Pat", "pat@museum.example", "museum"))
        assert early.status_code == 409
        assert (early.json()["errors"][0]["field"], early.json()["errors"][0]["reason"]) == (
            "application_window",
            CALL_NOT_OPEN,
        )
        assert (
            await apply(public, fresh_year(), application_body("Pat", "pat@museum.example", "museum"))
        ).status_code == 404
        assert (await public.get(f"/api/v1/exchange/programmes/{year}")).status_code == 401

    async with await partner_client(api, partner) as as_partner:
        assert (await as_partner.get(f"/api/v1/exchange/programmes/{year}")).status_code == 403
        listed = ok(await as_partner.get("/api/v1/exchange/programmes"), 200)
        assert [p["year"] for p in listed["items"]] == [year]
    assert (await api.http.get(f"/api/v1/exchange/programmes/{fresh_year()}")).status_code == 404
    read = await programme(api.http, year)
    assert read["phase"] == "confirming" and read["dashboard"]["placements"] == []

"""PATCH /api/v1/partners/{id} (issue 15): staff change a partner's name and contact, audited.

Real app and database over HTTP: the change is answered and read back, the audit trail names the fields
(never their values), a name another partner has is 409, bad input is 422 with the field, an unknown
partner 404, and a partner key (its own organisation too) is refused.
"""

from __future__ import annotations

from sqlalchemy import select

from store.tables import AuditEntry
from tests.api.conftest import Api
from tests.api.support import create_partner, ok, partner_client


async def _changes(api: Api, partner_id: str) -> list[AuditEntry]:
    async with api.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "partner_changed", AuditEntry.target_id == partner_id)
        )
        return list(rows)


async def test_staff_change_the_contact_and_the_name_and_the_audit_trail_names_the_fields(api: Api) -> None:
    partner = await create_partner(api)
    url = f"/api/v1/partners/{partner['id']}"
    changed = ok(
        await api.http.patch(url, json={"contact_name": "Ffion Jones", "contact_email": "ffion@example.org"}), 200
    )
    assert (changed["contact_name"], changed["contact_email"], changed["name"]) == (
        "Ffion Jones",
        "ffion@example.org",
        partner["name"],
    )
    assert ok(await api.http.get(url), 200)["contact_email"] == "ffion@example.org"

    renamed = ok(await api.http.patch(url, json={"name": "Harbour Heritage Trust"}), 200)
    assert renamed["name"] == "Harbour Heritage Trust"
    # The new name is taken now, whatever its capitals and spacing; the old one is free again.
    again = await api.http.post(
        "/api/v1/partners",
        json={"name": "harbour  heritage trust", "contact_name": "X", "contact_email": "x@example.org"},
    )
    assert again.status_code == 409
    ok(await api.http.patch(url, json={"name": "Harbour Heritage Trust"}), 200)  # unchanged: fine, not recorded

    entries = await _changes(api, partner["id"])
    assert [e.detail for e in entries] == [{"fields": ["contact_name", "contact_email"]}, {"fields": ["name"]}]
    assert all("ffion" not in str(e.detail).lower() and e.actor_label for e in entries)


async def test_bad_changes_are_refused_with_the_field(api: Api) -> None:
    first, second = await create_partner(api), await create_partner(api)
    url = f"/api/v1/partners/{first['id']}"

    taken = await api.http.patch(url, json={"name": second["name"].upper()})
    assert taken.status_code == 409 and taken.json()["errors"][0]["field"] == "name"
    for body, field in (
        ({}, "name"),
        ({"contact_email": "not-an-address"}, "contact_email"),
        ({"contact_name": ""}, "contact_name"),
        ({"name": "x" * 201}, "name"),
        ({"colour": "red"}, "colour"),
    ):
        refused = await api.http.patch(url, json=body)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["errors"][0]["field"] == field, refused.json()
    assert (await api.http.patch("/api/v1/partners/nosuchpartner", json={"contact_name": "A"})).status_code == 404

    async with await partner_client(api, first["id"]) as as_partner:
        own = await as_partner.patch(url, json={"contact_name": "Someone Else"})
        assert own.status_code == 403
    assert ok(await api.http.get(url), 200)["contact_name"] == first["contact_name"]
    assert await _changes(api, first["id"]) == []

"""Bearer API keys: 401 without a valid one, roles enforced, keys shown once and revocable."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from api.errors import FORBIDDEN, NOT_AUTHENTICATED
from store.tables import ApiKey
from tests.api.conftest import http_client
from tests.api.support import create_partner, ok


async def test_requests_without_a_valid_key_are_401_with_a_bearer_challenge(api):
    async with http_client(api.app, key=None) as anonymous:
        for response in (
            await anonymous.get("/api/v1/projects"),
            await anonymous.get("/api/v1/projects", headers={"Authorization": "Bearer engage_not-a-key"}),
            await anonymous.get("/api/v1/projects", headers={"Authorization": "Basic dXNlcjpwYXNz"}),
            await anonymous.get("/api/v1/partners", headers={"Authorization": "Bearer " + "x" * 5000}),
        ):
            assert response.status_code == 401
            assert response.json()["detail"] == NOT_AUTHENTICATED
            assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_the_admin_env_key_issues_staff_keys_and_staff_keys_cannot_issue_keys(api):
    created = ok(await api.http.post("/api/v1/keys", json={"role": "staff", "label": "community team"}), 201)
    assert created["key"].startswith("engage_") and len(created["key"]) > 40
    assert created["role"] == "staff" and created["partner_id"] is None
    async with api.sessionmaker() as session:
        stored = (await session.execute(select(ApiKey).where(ApiKey.id == created["id"]))).scalar_one()
    assert stored.key_hash == hashlib.sha256(created["key"].encode()).hexdigest()
    assert created["key"] not in (stored.prefix, stored.label)

    async with http_client(api.app, created["key"]) as staff:
        partner = ok(
            await staff.post(
                "/api/v1/partners",
                json={"name": "Made by staff", "contact_name": "Contact", "contact_email": "c@example.org"},
            ),
            201,
        )
        assert partner["name"] == "Made by staff"
        refused = await staff.post("/api/v1/keys", json={"role": "admin", "label": "escalation"})
        assert refused.status_code == 403
        assert refused.json()["detail"] == FORBIDDEN


async def test_a_partner_key_is_created_used_and_revoked(api):
    partner = await create_partner(api)
    created = ok(await api.http.post(f"/api/v1/partners/{partner['id']}/keys", json={"label": "portal"}), 201)
    assert created["role"] == "partner" and created["partner_id"] == partner["id"]
    async with http_client(api.app, created["key"]) as as_partner:
        own = ok(await as_partner.get(f"/api/v1/partners/{partner['id']}"), 200)
        assert own["name"] == partner["name"]
        assert (await as_partner.post("/api/v1/partners", json={"name": "x"})).status_code in (403, 422)
        assert (await as_partner.post(f"/api/v1/partners/{partner['id']}/keys", json={})).status_code == 403

        assert (await api.http.delete(f"/api/v1/keys/{created['id']}")).status_code == 204
        # The key was cached by the request above; revocation cleared it on this replica.
        revoked = await as_partner.get(f"/api/v1/partners/{partner['id']}")
        assert revoked.status_code == 401
    assert (await api.http.delete(f"/api/v1/keys/{created['id']}")).status_code == 204
    assert (await api.http.delete("/api/v1/keys/no-such-key")).status_code == 404
    missing_partner = await api.http.post("/api/v1/partners/no-such-partner/keys", json={"label": "x"})
    assert missing_partner.status_code == 404


async def test_staff_may_revoke_partner_keys_but_not_admin_keys(api):
    staff_key = ok(await api.http.post("/api/v1/keys", json={"role": "staff"}), 201)
    admin_key = ok(await api.http.post("/api/v1/keys", json={"role": "admin"}), 201)
    async with http_client(api.app, staff_key["key"]) as staff:
        assert (await staff.delete(f"/api/v1/keys/{admin_key['id']}")).status_code == 403
    async with http_client(api.app, admin_key["key"]) as admin:
        assert (await admin.delete(f"/api/v1/keys/{staff_key['id']}")).status_code == 204
    async with http_client(api.app, staff_key["key"]) as staff:
        assert (await staff.get("/api/v1/partners")).status_code == 401

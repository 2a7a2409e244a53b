"""`/metrics` is for staff: a stranger or a partner key gets nothing from the API's port."""

from __future__ import annotations

from tests.api.conftest import http_client
from tests.api.support import create_partner, partner_client


async def test_metrics_need_a_staff_key(api):
    async with http_client(api.app, key=None) as stranger:
        assert (await stranger.get("/metrics")).status_code == 401
    partner = await partner_client(api, (await create_partner(api))["id"])
    async with partner:
        assert (await partner.get("/metrics")).status_code == 403
    scraped = await api.http.get("/metrics")
    assert scraped.status_code == 200
    assert "engage_http_requests_total" in scraped.text

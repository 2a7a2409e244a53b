"""The administrators' webhook pages (issue 16 on pages): add one (a bad address is refused beside its
input; the secret is shown once, on the answer, and on no later page), see it and its delivery log,
delete it only after the confirmation step; staff get the "Administrators only" page.

Over HTTP without a browser (the browser test is tests/pages/test_webhooks_in_a_browser.py), against the
real app, a real worker on the dev server, the database and a real receiver on loopback.
"""

from __future__ import annotations

import re

from tests.api.conftest import ADMIN_KEY, Api
from tests.api.support import create_partner, create_project, eventually, ok
from tests.api.test_follow_up_pages import hidden, signed_in
from tests.webhook_receiver import receiver

SECRET = re.compile(r'value="(whsec_[^"]+)"')


async def test_an_admin_adds_a_webhook_sees_its_secret_once_and_its_deliveries_and_deletes_it(api: Api) -> None:
    async with receiver() as rx, signed_in(api, ADMIN_KEY) as pages:
        listing = await pages.get("/webhooks")
        assert listing.status_code == 200 and "No webhooks yet." in listing.text
        assert 'href="/webhooks"' in listing.text  # the admins' nav link
        csrf = hidden(listing)

        bad = await pages.post(
            "/webhooks", data={"csrf": csrf, "url": "http://example.org/hook", "event_types": ["project_created"]}
        )
        assert bad.status_code == 422, bad.text
        assert 'id="webhook-url-error"' in bad.text and "must be https" in bad.text
        assert 'aria-invalid="true"' in bad.text and 'href="#form-new"' in bad.text  # the one error summary
        assert 'value="http://example.org/hook"' in bad.text  # what was typed is kept

        no_reason = await pages.post(
            "/webhooks",
            data={
                "csrf": csrf,
                "url": f"{rx.url}/hook",
                "event_types": ["project_created"],
                "include_personal_data": "yes",
            },
        )
        assert no_reason.status_code == 422 and 'id="webhook-personal_data_reason-error"' in no_reason.text
        none_chosen = await pages.post("/webhooks", data={"csrf": csrf, "url": f"{rx.url}/hook"})
        assert none_chosen.status_code == 422 and 'id="webhook-event_types-error"' in none_chosen.text
        assert ok(await api.http.get("/api/v1/webhooks"), 200)["total"] == 0

        created = await pages.post(
            "/webhooks",
            data={"csrf": csrf, "url": f"{rx.url}/hook", "event_types": ["project_created", "stage_opened"]},
        )
        assert created.status_code == 200, created.text
        found = SECRET.search(created.text)
        assert found and "it will not be shown again" in created.text
        secret = found.group(1)
        webhook = ok(await api.http.get("/api/v1/webhooks"), 200)["items"][0]  # the JSON API sees the page's
        assert webhook["url"] == f"{rx.url}/hook" and webhook["event_types"] == ["project_created", "stage_opened"]

        partner = await create_partner(api)
        await create_project(api, [partner["id"]])
        log_path = f"/api/v1/webhooks/{webhook['id']}/deliveries"
        await eventually(
            lambda: api.http.get(log_path),
            lambda r: sum(d["status"] == "delivered" for d in r.json()["items"]) >= 2,
            within_seconds=20,
        )
        listing = await pages.get("/webhooks")
        detail = await pages.get(f"/webhooks/{webhook['id']}")
        assert "A project is created" in listing.text and "No (ids only)" in listing.text
        assert detail.status_code == 200 and "Deliveries (2)" in detail.text and "Delivered" in detail.text
        assert "HTTP 200" in detail.text and ("GMT" in detail.text or "BST" in detail.text)  # the museum's zone
        for page in (listing, detail):
            assert secret not in page.text and "whsec_" not in page.text

        confirm = await pages.get(f"/webhooks/{webhook['id']}/delete")
        assert confirm.status_code == 200 and "Delete this webhook?" in confirm.text
        assert ok(await api.http.get("/api/v1/webhooks"), 200)["total"] == 1  # asking deleted nothing
        stale = await pages.post(f"/webhooks/{webhook['id']}/delete", data={})
        assert stale.status_code == 403 and ok(await api.http.get("/api/v1/webhooks"), 200)["total"] == 1
        deleted = await pages.post(f"/webhooks/{webhook['id']}/delete", data={"csrf": hidden(confirm)})
        assert deleted.status_code == 303 and deleted.headers["location"] == "/webhooks"
        assert ok(await api.http.get("/api/v1/webhooks"), 200)["total"] == 0
        assert (await pages.get(f"/webhooks/{webhook['id']}")).status_code == 404


async def test_personal_data_with_a_reason_is_listed_with_the_reason(api: Api) -> None:
    async with signed_in(api, ADMIN_KEY) as pages:
        csrf = hidden(await pages.get("/webhooks"))
        form = {
            "csrf": csrf,
            "url": "https://crm.example/hook",
            "event_types": ["milestone_accepted"],
            "include_personal_data": "yes",
            "personal_data_reason": "the CRM records reviewers",
        }
        assert (await pages.post("/webhooks", data=form)).status_code == 200
        listing = await pages.get("/webhooks")
        assert "Yes: the CRM records reviewers" in listing.text and "Staff accept a milestone" in listing.text


async def test_staff_get_the_administrators_only_page_and_no_link(api: Api) -> None:
    staff_key = ok(await api.http.post("/api/v1/keys", json={"role": "staff", "label": "webhook pages"}), 201)["key"]
    async with signed_in(api, staff_key) as pages:
        refused = await pages.get("/webhooks")
        assert refused.status_code == 403 and "Administrators only" in refused.text
        assert 'href="/webhooks"' not in refused.text
        post = await pages.post("/webhooks", data={"csrf": hidden(refused), "url": "https://x.example/h"})
        assert post.status_code == 403 and "Administrators only" in post.text
        assert ok(await api.http.get("/api/v1/webhooks"), 200)["total"] == 0


async def test_a_failing_receiver_shows_as_failing_with_its_status_and_the_log_is_paged(api: Api) -> None:
    async with receiver() as rx, signed_in(api, ADMIN_KEY) as pages:

        async def unavailable() -> int:
            return 503

        rx.answer = unavailable
        hook = {"url": f"{rx.url}/hook", "event_types": ["project_created", "stage_opened"]}
        webhook = ok(await api.http.post("/api/v1/webhooks", json=hook), 201)
        partner = await create_partner(api)
        for _ in range(11):  # 22 deliveries: two pages of 20
            await create_project(api, [partner["id"]])
        log_path = f"/api/v1/webhooks/{webhook['id']}/deliveries"
        await eventually(
            lambda: api.http.get(log_path),
            lambda r: r.json()["total"] == 22 and any(d["status"] == "failing" for d in r.json()["items"]),
            within_seconds=20,
        )
        first = await pages.get(f"/webhooks/{webhook['id']}")
        assert first.status_code == 200 and "Deliveries (22)" in first.text and "Page 1 of 2" in first.text
        second = await pages.get(f"/webhooks/{webhook['id']}?page=2")
        assert "Page 2 of 2" in second.text and second.text.count("<tr>") == 1 + 2  # the head row and two
        both = first.text + second.text  # newest first: the first (failing) delivery is on the last page
        assert "Failing" in both and "HTTP 503" in both and "Pending" in both
        odd = await pages.get(f"/webhooks/{webhook['id']}?page=abc")
        assert odd.status_code == 200 and "Page 1 of 2" in odd.text
        long_id = await pages.get("/webhooks/" + "x" * 65)
        assert long_id.status_code == 404

"""One error shape on every route: `{"error", "detail", "errors": [{"field", "reason"}]}`, whoever refused.

Our own refusals, FastAPI's request validation, its 400 for an unreadable body, Starlette's 404
and 405, and the guards' 413: a client parses each the same way, and none quotes the input back.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import http_client
from tests.api.support import create_partner, partner_client, project_body


def shaped(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) - {"correlation_id"} == {"error", "detail", "errors"}, body
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["detail"], str) and body["detail"].strip()
    assert all(set(e) == {"field", "reason"} for e in body["errors"]), body
    assert len(response.content) < 2000, "no error answer quotes more than a short excerpt of the input"
    return body


async def test_every_kind_of_refusal_answers_in_the_one_shape(api):
    async with http_client(api.app, key=None) as stranger:
        shaped(await stranger.get("/api/v1/projects"), 401)
    async with await partner_client(api, (await create_partner(api))["id"]) as partner:
        shaped(await partner.post("/api/v1/keys", json={"role": "staff", "label": "x"}), 403)
    shaped(await api.http.get("/api/v1/projects/no-such-project"), 404)
    shaped(await api.http.get("/api/v1/no/such/route"), 404)
    shaped(await api.http.put("/api/v1/partners", json={}), 405)

    invalid = shaped(
        await api.http.post("/api/v1/projects", json=project_body([], title="", summary="s" * 20_000)), 422
    )
    assert {e["field"] for e in invalid["errors"]} == {"title", "summary"}
    assert "sssssssssssssssssssss" not in str(invalid)
    nested = shaped(
        await api.http.post("/api/v1/projects", json=project_body([], lead={"name": "L", "email": "nope"})), 422
    )
    assert [e["field"] for e in nested["errors"]] == ["lead.email"]
    not_json = b"{not json"
    headers = {"Content-Type": "application/json"}
    assert shaped(await api.http.post("/api/v1/projects", content=not_json, headers=headers), 422)["errors"]
    unreadable = b'{"title": "\xff\xfe broken"}'
    shaped(await api.http.post("/api/v1/projects", content=unreadable, headers=headers), 400)
    shaped(
        await api.http.post("/api/v1/projects", content=b"{" + b" " * (2 * 1024 * 1024) + b"}", headers=headers), 413
    )


async def test_a_refusal_quoting_what_was_sent_quotes_only_an_excerpt(api):
    unknown = [f"{n:02d}" + "x" * 30 for n in range(50)]  # 50 ids of 32 characters, none known
    refused = await api.http.post("/api/v1/projects", json=project_body(unknown))
    body = shaped(refused, 422)
    assert body["errors"][0]["field"] == "partner_ids"
    assert unknown[0] in body["errors"][0]["reason"], "an excerpt names what was wrong"
    assert unknown[-1] not in refused.text, "but never all of what was sent"

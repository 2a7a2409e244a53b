"""The payload codec (api/payload_codec.py) and its remote-codec endpoint (api/codec_routes.py), issue 14.

Key rotation: a payload written under key A still decodes once the keys are "B,A" (B now encrypts),
and a payload written before the codec existed (plain JSON) decodes as it is. The endpoint speaks
Temporal's remote-codec protocol, round-trips, and is staff-only: a partner key 403, no key 401.
"""

from __future__ import annotations

import asyncio
import base64
import re
import socket
import subprocess
import time

import pytest
import uvicorn
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter

from api.payload_codec import (
    ENCRYPTED_ENCODING,
    KEY_ID_METADATA,
    EncryptionCodec,
    PayloadKeyError,
    encrypted_data_converter,
    new_payload_key,
    parse_payload_keys,
)
from api.temporal_connection import PayloadKeySettings, PayloadKeysMissing, data_converter
from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.support import create_partner, ok, partner_client, project_body
from tests.temporal_env import temporal_binary

KEY_A = new_payload_key("a")
KEY_B = new_payload_key("b")
SECRET = "Zelda Quarrington-Fitch <zelda@museum.example>"


def plain(text: str) -> Payload:
    return pydantic_data_converter.payload_converter.to_payloads([text])[0]


async def test_a_payload_under_key_a_decodes_after_rotation_to_b_and_an_old_plain_one_still_decodes() -> None:
    old = EncryptionCodec(parse_payload_keys(KEY_A))
    rotated = EncryptionCodec(parse_payload_keys(f"{KEY_B},{KEY_A}"))
    [under_a] = await old.encode([plain(SECRET)])
    assert under_a.metadata["encoding"] == ENCRYPTED_ENCODING and under_a.metadata[KEY_ID_METADATA] == b"a"
    assert SECRET.encode() not in under_a.SerializeToString()

    assert await rotated.decode([under_a]) == [plain(SECRET)]
    [under_b] = await rotated.encode([plain(SECRET)])
    assert under_b.metadata[KEY_ID_METADATA] == b"b"  # the first key encrypts
    assert await rotated.decode([plain("written before the codec")]) == [plain("written before the codec")]
    with pytest.raises(PayloadKeyError, match="'b'"):
        await old.decode([under_b])  # a key we do not hold is named (never shown)


async def test_a_tampered_payload_is_refused_not_decoded() -> None:
    codec = EncryptionCodec(parse_payload_keys(KEY_A))
    [sealed] = await codec.encode([plain(SECRET)])
    sealed.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    with pytest.raises(PayloadKeyError, match="does not authenticate"):
        await codec.decode([sealed])


@pytest.mark.parametrize(
    "spec", ["", "no-colon", "a:not base64!", f"a:{base64.b64encode(b'short').decode()}", f"{KEY_A},{KEY_A}"]
)
def test_unusable_keys_refuse_to_start_with_a_message_that_shows_no_key(spec: str) -> None:
    with pytest.raises(PayloadKeysMissing) as refused:
        data_converter(PayloadKeySettings(payload_keys=spec))
    assert KEY_A.split(":", 1)[1] not in str(refused.value)
    assert "ENGAGE_PAYLOAD_KEYS" in str(refused.value)


async def test_the_codec_on_a_project_create_input_costs_well_under_a_millisecond() -> None:
    converter = encrypted_data_converter(parse_payload_keys(KEY_A))
    body = project_body(["p-1", "p-2"], lead={"name": "Project Lead", "email": "lead@museum.example"})
    payloads = pydantic_data_converter.payload_converter.to_payloads([body])
    codec = converter.payload_codec
    assert codec is not None
    rounds = 500
    started = time.perf_counter()
    for _ in range(rounds):
        assert await codec.decode(await codec.encode(payloads)) == payloads
    per_round_ms = (time.perf_counter() - started) * 1000 / rounds
    assert per_round_ms < 5


def wire(payload: Payload) -> dict[str, object]:
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


async def test_the_codec_endpoint_round_trips_for_staff_and_refuses_partners_and_strangers(api: Api) -> None:
    body = {"payloads": [wire(plain(SECRET)), wire(plain("second"))]}
    encoded = ok(await api.http.post("/codec/encode", json=body), 200)
    assert [base64.b64decode(p["metadata"]["encoding"]) for p in encoded["payloads"]] == [ENCRYPTED_ENCODING] * 2
    assert SECRET not in str(encoded) and base64.b64encode(SECRET.encode()).decode() not in str(encoded)
    decoded = ok(await api.http.post("/codec/decode", json=encoded), 200)
    assert decoded == body
    # What the API's own client wrote (a real project's history) decodes the same way.
    assert ok(await api.http.post("/codec/decode", json=body), 200) == body  # plain passes through

    partner = await create_partner(api)
    async with await partner_client(api, partner["id"]) as as_partner:
        refused = await as_partner.post("/codec/decode", json=encoded)
        assert refused.status_code == 403, refused.text
    async with http_client(api.app, None) as stranger:
        for route in ("/codec/decode", "/codec/encode"):
            assert (await stranger.post(route, json=body)).status_code == 401
    bad = await api.http.post("/codec/decode", json={"payloads": [{"metadata": {}, "data": "not base64!"}]})
    assert bad.status_code == 422, bad.text
    forged = {"metadata": {**encoded["payloads"][0]["metadata"]}, "data": base64.b64encode(b"x" * 40).decode()}
    assert (await api.http.post("/codec/decode", json={"payloads": [forged]})).status_code == 422


def payload_data(shown: str) -> bytes:
    """Every payload's bytes in `temporal workflow show --output json` (which prints them in base64)."""
    return b"\n".join(base64.b64decode(d) for d in re.findall(r'"data": "([A-Za-z0-9+/=]*)"', shown))


async def test_the_temporal_cli_reads_a_history_through_the_codec_endpoint_as_the_readme_says(api: Api) -> None:
    """`temporal workflow show --codec-endpoint ... --codec-auth "Bearer <staff key>"` against the served API."""
    partner = await create_partner(api)
    body = project_body([partner["id"]], lead={"name": "Quentin Abernethy-Sloane", "email": "qas@museum.example"})
    project = ok(await api.http.post("/api/v1/projects", json=body), 201)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(api.app, log_config=None, access_log=False, lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
            await asyncio.sleep(0.01)
        show = [temporal_binary(), "workflow", "show", "-w", f"project/{project['id']}", "--output", "json"]
        show += ["--address", api.client.service_client.config.target_host]
        codec = ["--codec-endpoint", f"http://127.0.0.1:{port}/codec"]
        plain_run = await asyncio.to_thread(subprocess.run, show, capture_output=True, text=True, timeout=60)
        decoded = await asyncio.to_thread(
            subprocess.run, [*show, *codec, "--codec-auth", f"Bearer {ADMIN_KEY}"], capture_output=True, text=True
        )
        refused = await asyncio.to_thread(subprocess.run, [*show, *codec], capture_output=True, text=True)
    finally:
        server.should_exit = True
        await serving
        sock.close()
    assert plain_run.returncode == 0, plain_run.stderr
    marker = base64.b64encode(ENCRYPTED_ENCODING).decode()  # the JSON output shows payloads in base64
    assert b"Quentin Abernethy-Sloane" not in payload_data(plain_run.stdout) and marker in plain_run.stdout
    assert decoded.returncode == 0, decoded.stderr
    assert b"Quentin Abernethy-Sloane" in payload_data(decoded.stdout) and marker not in decoded.stdout
    assert "Quentin Abernethy-Sloane" not in refused.stdout + refused.stderr  # no key: 401, nothing decoded

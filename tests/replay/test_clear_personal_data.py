"""The scan replay-all runs for personal data in clear finds an address in a clear payload or in a
failure message, and not in an encrypted payload or a worker identity."""

from __future__ import annotations

import base64
from typing import Any

from tests.replay.clear_personal_data import scan_history


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def payload(encoding: str, data: str) -> dict[str, Any]:
    return {"metadata": {"encoding": b64(encoding)}, "data": b64(data)}


def history(
    *payloads: dict[str, Any], message: str = "", identity: str = "4242@worker-1.example.org"
) -> dict[str, Any]:
    return {
        "events": [
            {"workflowExecutionStartedEventAttributes": {"input": {"payloads": list(payloads)}, "identity": identity}},
            {"workflowTaskFailedEventAttributes": {"failure": {"message": message}, "identity": identity}},
        ]
    }


def test_an_address_in_a_clear_payload_or_in_clear_text_is_found() -> None:
    scan = scan_history(
        history(payload("json/plain", '{"lead": {"email": "ada@museum.example"}}'), message="no: bo@x.example"),
        "project/1",
    )
    assert (scan.payloads, scan.encrypted) == (1, 0)
    assert scan.findings == [
        "project/1: clear payload holds 'ada@museum.example'",
        "project/1: history text holds 'bo@x.example'",
    ]


def test_encrypted_payloads_and_worker_identities_are_not_findings() -> None:
    scan = scan_history(history(payload("binary/encrypted", "\x00\x01ada@museum.example-sealed")), "project/2")
    assert (scan.histories, scan.payloads, scan.encrypted, scan.findings) == (1, 1, 1, [])

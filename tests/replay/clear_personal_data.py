"""The personal-data scan `make replay-all` runs over every history the suite exported (issue 14).

Non-negotiable 6: personal data never sits in clear in Temporal. The payload codec encrypts every
payload we write; what stays readable is the server's and the SDK's own (search attributes, patch and
local-activity marker headers, worker identities). This scan reads each exported history as the server
sent it (payload bytes raw, as a client without the codec sees them) and counts payloads by encoding;
any e-mail address found in a clear payload or in any other text of the history is a finding, and the
step fails. An e-mail address stands for personal data because every person Engage holds has one; names
and free text have no pattern to look for, and tests/api/test_payload_encryption.py searches for known
ones.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
ENCRYPTED = "binary/encrypted"
#: Fields that hold the SDK's `pid@host` worker identity, not a person.
NOT_PERSONAL_FIELDS = frozenset({"identity"})


@dataclass
class Scan:
    histories: int = 0
    payloads: int = 0
    encrypted: int = 0
    findings: list[str] = field(default_factory=list)

    def add(self, other: Scan) -> None:
        self.histories += other.histories
        self.payloads += other.payloads
        self.encrypted += other.encrypted
        self.findings += other.findings


def _payloads(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("metadata"), dict) and "data" in node:
            yield node
        for value in node.values():
            yield from _payloads(value)
    elif isinstance(node, list):
        for value in node:
            yield from _payloads(value)


def _without(node: Any, fields: frozenset[str]) -> Any:
    if isinstance(node, dict):
        return {k: _without(v, fields) for k, v in node.items() if k not in fields}
    if isinstance(node, list):
        return [_without(v, fields) for v in node]
    return node


def _decoded(value: str) -> str:
    return base64.b64decode(value or "").decode("utf-8", "replace")


def scan_history(history: dict[str, Any], where: str) -> Scan:
    """Count one history's payloads and find any address in clear (`where` names it in findings)."""
    scan = Scan(histories=1)
    for payload in _payloads(history):
        scan.payloads += 1
        if _decoded(payload["metadata"].get("encoding", "")) == ENCRYPTED:
            scan.encrypted += 1
            continue
        scan.findings += [
            f"{where}: clear payload holds {found!r}" for found in ADDRESS.findall(_decoded(payload["data"]))
        ]
    # Everything else in clear (failure messages, names of things): payload bytes are base64 there, which
    # has no '@', so only clear text can match.
    text = json.dumps(_without(history, NOT_PERSONAL_FIELDS))
    scan.findings += [f"{where}: history text holds {found!r}" for found in ADDRESS.findall(text)]
    return scan

"""The remote codec for Temporal's UI and CLI: `POST /codec/decode` and `POST /codec/encode` (staff only).

Every payload in Temporal's histories is encrypted (api/payload_codec.py), so the UI and
`temporal workflow show` print ciphertext. An operator who must read a history points them here
(README, "Reading encrypted histories"): they send the payloads as Temporal's remote-codec protocol
has them, `{"payloads": [{"metadata": {key: base64}, "data": base64}]}`, and get them back decoded
(or encoded). The codec is the API's own Temporal client's, so it holds exactly the keys the API
holds. Staff keys only, as `Authorization: Bearer ...` (what `--codec-auth` and the UI send): a
history holds every party's personal data, so no partner reads one.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field, field_validator
from temporalio.api.common.v1 import Payload

from api.access import access
from api.auth import Principal
from api.deps import SessionmakerDep, TemporalDep
from api.errors import error_responses, invalid
from api.payload_codec import PayloadKeyError
from api.read_audit import record_read_apart

router = APIRouter(prefix="/codec", tags=["codec"])

#: One request decodes at most this many payloads (the UI sends one event's worth at a time).
MAX_PAYLOADS = 1000


def _base64(value: str) -> str:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not valid base64") from None
    return value


class CodecPayload(BaseModel):
    """One payload as the remote-codec protocol writes it: protobuf JSON, bytes in base64."""

    metadata: dict[Annotated[str, Field(max_length=200)], str] = Field(
        default_factory=dict, description="The payload's metadata: each value base64 (e.g. `encoding`)."
    )
    data: str = Field("", description="The payload's bytes, base64.")

    @field_validator("metadata")
    @classmethod
    def _metadata_base64(cls, value: dict[str, str]) -> dict[str, str]:
        for item in value.values():
            _base64(item)
        return value

    @field_validator("data")
    @classmethod
    def _data_base64(cls, value: str) -> str:
        return _base64(value)

    def to_proto(self) -> Payload:
        return Payload(
            metadata={k: base64.b64decode(v) for k, v in self.metadata.items()}, data=base64.b64decode(self.data)
        )

    @classmethod
    def from_proto(cls, payload: Payload) -> CodecPayload:
        return cls(
            metadata={k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
            data=base64.b64encode(payload.data).decode(),
        )


class CodecPayloads(BaseModel):
    """The body of both codec routes, and their answer."""

    payloads: list[CodecPayload] = Field(
        default_factory=list, max_length=MAX_PAYLOADS, description="The payloads, in order; the answer keeps it."
    )


@router.post("/decode", responses=error_responses(401, 403, 422))
async def decode_payloads(
    principal: Annotated[Principal, access("staff")],
    client: TemporalDep,
    sessionmaker: SessionmakerDep,
    body: CodecPayloads,
) -> CodecPayloads:
    """Decrypt payloads with the API's keys; plain ones come back as they are. Each request is in the
    audit trail (target: the namespace; which workflow the payloads came from, the codec is not told)."""
    await record_read_apart(sessionmaker, principal, "histories_decoded", client.namespace)
    codec = client.data_converter.payload_codec
    payloads = [p.to_proto() for p in body.payloads]
    if codec is not None:
        try:
            payloads = await codec.decode(payloads)
        except PayloadKeyError as err:
            raise invalid("payloads", str(err)) from None
    return CodecPayloads(payloads=[CodecPayload.from_proto(p) for p in payloads])


@router.post("/encode", responses=error_responses(401, 403, 422))
async def encode_payloads(
    principal: Annotated[Principal, access("staff")], client: TemporalDep, body: CodecPayloads
) -> CodecPayloads:
    """Encrypt payloads with the API's current key (the UI uses it to send a signal or a query's input)."""
    codec = client.data_converter.payload_codec
    payloads = [p.to_proto() for p in body.payloads]
    if codec is not None:
        payloads = await codec.encode(payloads)
    return CodecPayloads(payloads=[CodecPayload.from_proto(p) for p in payloads])

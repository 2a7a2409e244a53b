"""Every payload Engage writes to Temporal is encrypted: AES-256-GCM, key id in the payload's metadata.

Why: a workflow's inputs, update arguments, activity results and failures hold personal data (a
lead's name and e-mail, partner contacts, respondents' answers, applications). Temporal keeps them in
its history for as long as its retention says, and anyone who can read the cluster can read them.
With this codec the history holds only ciphertext; operators who must read a history use the codec
endpoint (api/codec_routes.py) behind staff sign-in.

Keys come from `ENGAGE_PAYLOAD_KEYS`: comma-separated `id:base64key` (32-byte keys). The first one
encrypts; all of them decrypt, so a key is rotated by putting the new one first and keeping the old
ones until no open history (and no history you still want to read) was written with them.

A payload written before this codec (no `binary/encrypted` encoding) passes through decode as it
is, so every history recorded before still replays and every workflow in flight carries on.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec

#: The metadata that marks an encrypted payload (the convention of Temporal's encryption samples).
ENCRYPTED_ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # GCM's standard nonce


class PayloadKeyError(ValueError):
    """The key settings are unusable, or a payload names a key we do not hold (or was tampered with)."""


def parse_payload_keys(spec: str) -> list[tuple[str, bytes]]:
    """`id:base64key,...` → [(id, key)], the first being the one that encrypts.

    Refuses (with a message that never shows a key) an empty list, a duplicate id, an id with a
    colon or comma, and a key that is not base64 of exactly 32 bytes.
    """
    keys: list[tuple[str, bytes]] = []
    for number, item in enumerate((part.strip() for part in spec.split(",") if part.strip()), start=1):
        key_id, sep, encoded = item.partition(":")
        key_id = key_id.strip()
        if not sep or not key_id:
            raise PayloadKeyError(f"ENGAGE_PAYLOAD_KEYS entry {number} is not `id:base64key`")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise PayloadKeyError(f"ENGAGE_PAYLOAD_KEYS key {key_id!r} is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise PayloadKeyError(f"ENGAGE_PAYLOAD_KEYS key {key_id!r} is {len(key)} bytes, not {KEY_BYTES}")
        if any(key_id == seen for seen, _ in keys):
            raise PayloadKeyError(f"ENGAGE_PAYLOAD_KEYS names key {key_id!r} twice")
        keys.append((key_id, key))
    if not keys:
        raise PayloadKeyError("ENGAGE_PAYLOAD_KEYS is empty")
    return keys


def new_payload_key(key_id: str) -> str:
    """A fresh `id:base64key` entry (what `make run` writes into .data/payload_keys)."""
    return f"{key_id}:{base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"


class EncryptionCodec(PayloadCodec):
    """AES-256-GCM over the whole serialized payload (its metadata included), key id as associated data."""

    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise PayloadKeyError("the codec needs at least one key")
        self._encrypt_id = keys[0][0]
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys}

    @property
    def encrypting_key_id(self) -> str:
        return self._encrypt_id

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(NONCE_BYTES)
        key_id = self._encrypt_id
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), key_id.encode())
        return Payload(metadata={"encoding": ENCRYPTED_ENCODING, KEY_ID_METADATA: key_id.encode()}, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        """The plain payload; one written before the codec (not marked encrypted) comes back as it is."""
        if payload.metadata.get("encoding") != ENCRYPTED_ENCODING:
            return payload
        key_id = payload.metadata.get(KEY_ID_METADATA, b"").decode("utf-8", "replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadKeyError(f"payload encrypted with key {key_id!r}, which is not in ENGAGE_PAYLOAD_KEYS")
        data = payload.data
        try:
            plain = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], key_id.encode())
        except (InvalidTag, ValueError):  # tampered, cut short, or another key's under this id
            raise PayloadKeyError(f"payload under key {key_id!r} does not authenticate") from None
        return Payload.FromString(plain)


def encrypted_data_converter(keys: Sequence[tuple[str, bytes]]) -> DataConverter:
    """The pydantic converter every Engage client and worker used before, plus the codec.

    Failures' messages and stack traces are encoded too (they may quote what an activity was given).
    """
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(keys),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )

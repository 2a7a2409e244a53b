"""Where and how the API and the worker reach Temporal: one function both call, so they never drift.

Three shapes, all from environment variables with working defaults:

- the embedded dev server or a plain cluster: `TEMPORAL_ADDRESS` (default localhost:7233);
- a self-hosted cluster whose frontend requires mutual TLS (what `make cluster` runs):
  `TEMPORAL_TLS_CA` (the server's CA, PEM file), `TEMPORAL_TLS_CERT` and `TEMPORAL_TLS_KEY` (this
  client's certificate and key), optionally `TEMPORAL_TLS_SERVER_NAME` when the address is not a
  name on the server's certificate;
- a hosted Temporal: `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE` and `TEMPORAL_API_KEY` (TLS on), or
  the mutual-TLS settings above instead of the key.

`TEMPORAL_NAMESPACE` defaults to `default`. The SDK's own environment configuration (a
`temporal.toml` profile, `TEMPORAL_ADDRESS`, ...) is read first; the settings above override it.
A certificate without its key (or the reverse) is refused at start-up with a clear message rather
than failing later on the first call.

Every payload is encrypted (api/payload_codec.py) with the keys in `ENGAGE_PAYLOAD_KEYS`
(`id:base64key,...`, the first encrypts): `data_converter()` is the converter every client and
worker passes. Without keys it refuses, with a message saying what to set: a process that wrote
personal data in clear because a setting was forgotten would be worse than one that does not start.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from temporalio.converter import DataConverter
from temporalio.envconfig import ClientConfig, ClientConnectConfig
from temporalio.service import TLSConfig

from api.payload_codec import PayloadKeyError, encrypted_data_converter, parse_payload_keys

DEFAULT_TEMPORAL_ADDRESS = "localhost:7233"


class TemporalConnectionSettings(BaseSettings):
    """The `TEMPORAL_*` settings this project adds to the SDK's environment configuration."""

    model_config = SettingsConfigDict(env_prefix="TEMPORAL_", extra="ignore")

    namespace: str | None = None
    tls_ca: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_server_name: str | None = None
    api_key: str | None = None

    @model_validator(mode="after")
    def _cert_and_key_together(self) -> TemporalConnectionSettings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together: set both or neither")
        return self

    @property
    def tls_configured(self) -> bool:
        return self.tls_ca is not None or self.tls_cert is not None


def client_connect_config(settings: TemporalConnectionSettings | None = None) -> ClientConnectConfig:
    """The keyword arguments for `Client.connect`: target, namespace, TLS and API key."""
    settings = settings or TemporalConnectionSettings()
    config = ClientConfig.load_client_connect_config()
    config.setdefault("target_host", DEFAULT_TEMPORAL_ADDRESS)
    if settings.namespace:
        config["namespace"] = settings.namespace
    if settings.api_key:
        config["api_key"] = settings.api_key
        config.setdefault("tls", True)  # an API key is only ever sent over TLS
    if settings.tls_configured:
        config["tls"] = TLSConfig(
            server_root_ca_cert=settings.tls_ca.read_bytes() if settings.tls_ca else None,
            client_cert=settings.tls_cert.read_bytes() if settings.tls_cert else None,
            client_private_key=settings.tls_key.read_bytes() if settings.tls_key else None,
            domain=settings.tls_server_name,
        )
    return config


class PayloadKeySettings(BaseSettings):
    """`ENGAGE_PAYLOAD_KEYS`: `id:base64key,...`; the first encrypts, all decrypt."""

    model_config = SettingsConfigDict(env_prefix="ENGAGE_", extra="ignore")

    payload_keys: str = ""


class PayloadKeysMissing(RuntimeError):
    """No usable `ENGAGE_PAYLOAD_KEYS`: the process must not start (and write payloads in clear)."""


def data_converter(settings: PayloadKeySettings | None = None) -> DataConverter:
    """The converter for every Temporal client and worker: pydantic JSON, then AES-256-GCM."""
    settings = settings or PayloadKeySettings()
    if not settings.payload_keys.strip():
        raise PayloadKeysMissing(
            "ENGAGE_PAYLOAD_KEYS is not set: Engage encrypts every Temporal payload and needs at least one "
            "key, `id:base64-of-32-random-bytes` (README, Operations); `make run` generates one for you"
        )
    try:
        return encrypted_data_converter(parse_payload_keys(settings.payload_keys))
    except PayloadKeyError as err:
        raise PayloadKeysMissing(str(err)) from None

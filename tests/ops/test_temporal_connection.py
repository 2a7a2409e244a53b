"""The settings the worker and the API connect to Temporal with (api/temporal_connection.py).

The mutual-TLS path against a real frontend is proven by `make test-cluster` (every request of
tests/cluster goes through it); here, cheaply, how each variable lands in `Client.connect`'s
arguments, and that a half-configured client certificate is refused at start-up.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from temporalio.service import TLSConfig

from api.temporal_connection import TemporalConnectionSettings, client_connect_config

VARIABLES = (
    "TEMPORAL_ADDRESS",
    "TEMPORAL_NAMESPACE",
    "TEMPORAL_API_KEY",
    "TEMPORAL_TLS_CA",
    "TEMPORAL_TLS_CERT",
    "TEMPORAL_TLS_KEY",
    "TEMPORAL_TLS_SERVER_NAME",
    "TEMPORAL_PROFILE",
    "TEMPORAL_CONFIG_FILE",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(tmp_path / "no-such-temporal.toml"))


def test_nothing_set_means_the_local_dev_server_in_plain_text() -> None:
    config = client_connect_config()
    assert config["target_host"] == "localhost:7233"
    assert "tls" not in config and "api_key" not in config
    assert config.get("namespace", "default") == "default"


def test_mutual_tls_reads_the_ca_certificate_and_key_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, text in (("ca.pem", "CA"), ("client.pem", "CERT"), ("client.key", "KEY")):
        (tmp_path / name).write_text(text)
    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal.internal:7233")
    monkeypatch.setenv("TEMPORAL_NAMESPACE", "engage")
    monkeypatch.setenv("TEMPORAL_TLS_CA", str(tmp_path / "ca.pem"))
    monkeypatch.setenv("TEMPORAL_TLS_CERT", str(tmp_path / "client.pem"))
    monkeypatch.setenv("TEMPORAL_TLS_KEY", str(tmp_path / "client.key"))
    monkeypatch.setenv("TEMPORAL_TLS_SERVER_NAME", "localhost")
    config = client_connect_config()
    assert (config["target_host"], config["namespace"]) == ("temporal.internal:7233", "engage")
    tls = config["tls"]
    assert isinstance(tls, TLSConfig)
    assert (tls.server_root_ca_cert, tls.client_cert, tls.client_private_key) == (b"CA", b"CERT", b"KEY")
    assert tls.domain == "localhost"


def test_an_api_key_for_a_hosted_temporal_turns_tls_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", "engage.a1b2c.tmprl.cloud:7233")
    monkeypatch.setenv("TEMPORAL_NAMESPACE", "engage.a1b2c")
    monkeypatch.setenv("TEMPORAL_API_KEY", "secret-key")
    config = client_connect_config()
    assert config["api_key"] == "secret-key" and config["tls"] is True
    assert config["namespace"] == "engage.a1b2c"


def test_a_certificate_without_its_key_is_refused_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_TLS_CERT", "/etc/engage/client.pem")
    with pytest.raises(ValidationError, match="TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together"):
        TemporalConnectionSettings()

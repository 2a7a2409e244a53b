"""A certificate authority made for one run of the cluster, and the certificates it signs.

Why per run: the frontend serves mutual TLS, and a CA whose key lives only in this run's folder
(mode 0700) can never be reused to mint a client certificate elsewhere. It is cheap (openssl, well
under a second) and every client of the cluster (our worker and API replicas, the cluster's own
worker service, the namespace set-up) gets its files from the same folder.

Signed here: the frontend's server certificate (names `localhost` and `127.0.0.1`), a client
certificate for Engage, and one for the cluster's worker service (system workflows such as
schedules talk to the frontend like any client). openssl is part of every Linux base image.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from scripts.temporal_cluster.layout import Tls

DAYS = "30"


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _sign(folder: Path, name: str, subject: str, extensions: str) -> tuple[Path, Path]:
    key, csr, cert = folder / f"{name}.key", folder / f"{name}.csr", folder / f"{name}.pem"
    _openssl(
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        str(key),
        "-out",
        str(csr),
        "-subj",
        subject,
    )
    with tempfile.NamedTemporaryFile("w", suffix=".ext", dir=folder, delete=False) as ext:
        ext.write(extensions)
    try:
        _openssl(
            "x509",
            "-req",
            "-in",
            str(csr),
            "-CA",
            str(folder / "ca.pem"),
            "-CAkey",
            str(folder / "ca.key"),
            "-CAcreateserial",
            "-days",
            DAYS,
            "-sha256",
            "-extfile",
            ext.name,
            "-out",
            str(cert),
        )
    finally:
        os.unlink(ext.name)
        csr.unlink(missing_ok=True)
    return cert, key


def generate(folder: Path) -> Tls:
    """A fresh CA and its certificates in `folder` (replacing any from an earlier run)."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        str(folder / "ca.key"),
        "-out",
        str(folder / "ca.pem"),
        "-days",
        DAYS,
        "-subj",
        "/CN=Engage cluster CA (this run only)",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    )
    client_ext = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"
    server_cert, server_key = _sign(
        folder,
        "frontend",
        "/CN=localhost",
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    client_cert, client_key = _sign(folder, "engage-client", "/CN=engage", client_ext)
    worker_cert, worker_key = _sign(folder, "system-worker", "/CN=temporal-system-worker", client_ext)
    return Tls(
        ca=folder / "ca.pem",
        server_cert=server_cert,
        server_key=server_key,
        client_cert=client_cert,
        client_key=client_key,
        system_worker_cert=worker_cert,
        system_worker_key=worker_key,
    )

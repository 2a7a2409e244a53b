"""Register Engage's namespace on the cluster, with its retention and our search attributes.

The same job the `temporal-admin-tools` one-shot does in docker-compose.yml, done here through the
SDK over the frontend's mutual TLS. Idempotent: an existing namespace or attribute is left as it
is, so every `make cluster` runs it. The attributes come from workflows/naming.py REGISTRY, the one
list the dev server, the tests and docker-compose.yml follow.

A freshly added attribute reaches the frontend's namespace cache some seconds later; until then a
start that sets it is refused. So after adding any (a fresh database), we wait until such a start is accepted (a
probe workflow on a task queue nobody polls, terminated at once) before Engage starts.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta
from typing import Any

from google.protobuf.duration_pb2 import Duration
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, RegisterNamespaceRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType as Kind
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.service import RPCError, RPCStatusCode, TLSConfig

from scripts.temporal_cluster.layout import NAMESPACE, RETENTION_DAYS, ClusterLayout
from workflows.naming import REGISTRY


async def connect(layout: ClusterLayout, namespace: str = NAMESPACE) -> Client:
    tls = TLSConfig(
        server_root_ca_cert=layout.tls.ca.read_bytes(),
        client_cert=layout.tls.client_cert.read_bytes(),
        client_private_key=layout.tls.client_key.read_bytes(),
        domain="localhost",
    )
    return await Client.connect(layout.frontend_address, namespace=namespace, tls=tls)


async def wait_for_frontend(layout: ClusterLayout, within: float = 90.0) -> Client:
    """Connect once the frontend answers (its services may still be joining the ring)."""
    deadline = time.monotonic() + within
    while True:
        try:
            client = await connect(layout, "temporal-system")
            await client.workflow_service.describe_namespace(
                DescribeNamespaceRequest(namespace="temporal-system"), timeout=timedelta(seconds=3)
            )
            return client
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def register(layout: ClusterLayout) -> list[str]:
    """Namespace + search attributes; return what was done, one line each."""
    done: list[str] = []
    client = await wait_for_frontend(layout)
    try:
        await client.workflow_service.register_namespace(
            RegisterNamespaceRequest(
                namespace=NAMESPACE,
                description="Engage: community engagement projects as durable processes",
                workflow_execution_retention_period=Duration(seconds=RETENTION_DAYS * 86400),
            )
        )
        done.append(f"registered namespace {NAMESPACE} (retention {RETENTION_DAYS} days)")
    except RPCError as err:
        if err.status != RPCStatusCode.ALREADY_EXISTS:
            raise
    listed = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=NAMESPACE))
    missing = {key.name: key.indexed_value_type for key in REGISTRY if key.name not in listed.custom_attributes}
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=NAMESPACE,
                search_attributes={name: int(kind) for name, kind in missing.items()},  # type: ignore[misc]
            )
        )
        done.append(f"added search attributes {', '.join(sorted(missing))}")
        await _until_search_attributes_usable(layout)
    return done


async def _until_search_attributes_usable(layout: ClusterLayout, within: float = 90.0) -> None:
    client = await connect(layout)
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(key, ["probe"] if key.indexed_value_type is Kind.KEYWORD_LIST else "probe")
        for key in REGISTRY
    ]
    attributes = TypedSearchAttributes(pairs)
    deadline = time.monotonic() + within
    while True:
        try:
            handle = await client.start_workflow(
                "EngageSearchAttributeProbe",
                id=f"probe/{uuid.uuid4().hex}",
                task_queue=f"probe-{uuid.uuid4().hex}",
                search_attributes=attributes,
                execution_timeout=timedelta(minutes=1),
            )
            await handle.terminate("probe only")
            return
        except RPCError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1)

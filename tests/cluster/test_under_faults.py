"""Faults on the real cluster under steady load: nothing accepted is lost, nothing is doubled.

Each test runs the load of tests/cluster/load.py through both API replicas, injects one fault,
brings the failed part back, and audits every accepted project. Each prints one line:

    CLUSTER-SUMMARY fault=<what> accepted=<n> lost=0 doubled=0 refused_503=<n> recovery_s=<s>

where recovery_s is the time from the restart (or, for the parts that are not restarted, from the
kill) to the first request accepted after it. Each test leaves the cluster whole for the next.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.cluster.load import Audit, Load, audit, terminate
from tests.cluster.stack import Cluster
from tests.cluster.test_lifecycle import new_partner

DOWN_FOR_S = 3.0  # how long a killed part stays down before it is started again
STEADY_S = 3.0  # load before the fault, and after recovery before the audit


def report(fault: str, load: Load, result: Audit, recovery_s: float, **extra: object) -> None:
    figures = {
        "accepted": result.accepted,
        "lost": result.lost,
        "doubled": result.doubled,
        "refused_503": load.answers["503"],
        "connection_errors": sum(n for k, n in load.answers.items() if k.startswith("connection")),
        "recovery_s": f"{recovery_s:.1f}",
        **extra,
    }
    print("CLUSTER-SUMMARY fault=" + fault + " " + " ".join(f"{k}={v}" for k, v in figures.items()))  # noqa: T201


async def check(cluster: Cluster, load: Load) -> Audit:
    assert not load.unexpected, load.unexpected[:5]
    ids = list(load.accepted)
    try:
        result = await audit(cluster, ids)
    finally:
        await terminate(cluster, ids)
    assert result.lost == 0 and result.doubled == 0, result
    return result


@pytest.mark.parametrize("service", ["history", "matching", "frontend"])
async def test_a_killed_temporal_service_comes_back_and_loses_nothing(cluster: Cluster, service: str) -> None:
    partner_id, _ = await new_partner(cluster, f"Partner for the {service} fault")
    process = cluster.services[service]
    async with Load(cluster, partner_id) as load:
        await asyncio.sleep(STEADY_S)
        before = len(load.accepted)
        await process.kill()
        killed_at = time.monotonic()
        await asyncio.sleep(DOWN_FOR_S)
        refused_while_down = load.answers["503"]
        restarted_at = time.monotonic()
        await process.start()
        listening_s = time.monotonic() - restarted_at
        recovery_s = await load.first_accepted_after(restarted_at)
        await asyncio.sleep(STEADY_S)
    result = await check(cluster, load)
    assert before > 0 and len(load.accepted_after(restarted_at)) > 0
    if service == "frontend":  # the API cannot reach Temporal at all: 503 with Retry-After, never a 500
        assert refused_while_down > 0, dict(load.answers)
    report(
        f"sigkill_{service}",
        load,
        result,
        recovery_s,
        down_s=f"{restarted_at - killed_at:.1f}",
        listening_after_s=f"{listening_s:.1f}",
    )


async def test_a_killed_worker_leaves_the_other_to_carry_on(cluster: Cluster) -> None:
    partner_id, _ = await new_partner(cluster, "Partner for the worker fault")
    victim = cluster.workers[0]
    async with Load(cluster, partner_id) as load:
        await asyncio.sleep(STEADY_S)
        await victim.kill()
        killed_at = time.monotonic()
        recovery_s = await load.first_accepted_after(killed_at)
        await asyncio.sleep(2 * STEADY_S)  # the survivor alone runs every new project meanwhile
        carried = len(load.accepted_after(killed_at))
    result = await check(cluster, load)  # every project ran, on the surviving worker
    replacement = cluster.worker("worker-1-restarted")
    await replacement.start()
    cluster.workers[0] = replacement
    assert carried > 0
    report("sigkill_worker", load, result, recovery_s, accepted_with_one_worker=carried)


async def test_a_killed_api_replica_leaves_the_other_to_serve(cluster: Cluster) -> None:
    partner_id, _ = await new_partner(cluster, "Partner for the API fault")
    victim = cluster.apis[0]
    skipped_before = cluster.balancer.skipped
    async with Load(cluster, partner_id) as load:
        await asyncio.sleep(STEADY_S)
        await victim.kill()
        killed_at = time.monotonic()
        recovery_s = await load.first_accepted_after(killed_at)
        await asyncio.sleep(STEADY_S)
        served_alone = len(load.accepted_after(killed_at))
        await victim.start()
        await asyncio.sleep(1)
    result = await check(cluster, load)
    assert served_alone > 0
    report(
        "sigkill_api_replica",
        load,
        result,
        recovery_s,
        accepted_by_the_other=served_alone,
        connections_moved=cluster.balancer.skipped - skipped_before,
    )


async def test_a_postgresql_restart_under_load_loses_nothing(cluster: Cluster) -> None:
    partner_id, _ = await new_partner(cluster, "Partner for the PostgreSQL fault")
    async with Load(cluster, partner_id) as load:
        await asyncio.sleep(STEADY_S)
        restart_s = await asyncio.to_thread(cluster.postgres.restart)
        back_at = time.monotonic()
        recovery_s = await load.first_accepted_after(back_at)
        await asyncio.sleep(STEADY_S)
    result = await check(cluster, load)
    report("postgresql_restart", load, result, recovery_s, restart_took_s=f"{restart_s:.1f}")

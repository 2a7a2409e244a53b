"""Issue #6's targets checked against a run's figures, and the markdown table for bench/README.md.

Targets are reported, never enforced: a benchmark run on a busy laptop must not fail a build.
"""

from __future__ import annotations

from typing import Any

RATIO_TARGETS = {"p50": 1.5, "p99": 2.0}
LIST_P99_MS = 50.0
FANOUT_MIN_RATIO = 0.7
HISTORY_MAX = 400
RESPONDENTS = 5
RSS_MAX_MIB = 1024.0


def _ok(result: Any) -> bool:
    return isinstance(result, dict) and not str(result.get("status", "")).startswith("error")


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def add(bench: str, db: str, metric: str, value: Any, target: str, met: bool | None) -> None:
        rows.append({"benchmark": bench, "db": db, "metric": metric, "value": value, "target": target, "met": met})

    for bench in ("create", "submit", "detail"):
        for db, r in results.get(bench, {}).items():
            if _ok(r) and "ratio" in r:
                for q, limit in RATIO_TARGETS.items():
                    add(bench, db, f"ratio_{q}", r["ratio"][q], f"<= {limit}", r["ratio"][q] <= limit)
    for db, r in results.get("list", {}).items():
        if _ok(r) and "engage" in r:
            p99 = r["engage"]["p99_ms"]
            add("list", db, f"p99_ms_stage_overdue_{r['projects']}", p99, f"< {LIST_P99_MS}", p99 < LIST_P99_MS)
    for db, r in results.get("fanout", {}).items():
        if _ok(r):
            ratio = r.get("ratio")
            add(
                "fanout",
                db,
                "rate_ratio",
                ratio,
                f">= {FANOUT_MIN_RATIO}",
                None if ratio is None else ratio >= FANOUT_MIN_RATIO,
            )
    for db, r in results.get("lifecycle", {}).items():
        if _ok(r) and "history_events" in r:
            add(
                "lifecycle",
                db,
                "history_events",
                r["history_events"],
                f"< {HISTORY_MAX}",
                r["history_events"] < HISTORY_MAX,
            )
    for db, r in results.get("memory", {}).items():
        if _ok(r) and "rss_mib" in r:
            add("memory", db, "worker_rss_mib_largest", r["rss_mib"], f"< {RSS_MAX_MIB}", r["rss_mib"] < RSS_MAX_MIB)
    return rows


def _met(value: bool | None) -> str:
    return "pending" if value is None else ("yes" if value else "**no**")


def _pair(summary: dict[str, Any] | None) -> str:
    if not summary:
        return "—"
    return f"{summary['p50_ms']:.1f} / {summary['p99_ms']:.1f} ms"


def markdown_table(document: dict[str, Any]) -> str:
    """One row per figure: benchmark, Engage p50/p99, raw p50/p99, ratio, target, met?"""
    results = document.get("benchmarks", {})
    met = {(t["benchmark"], t["db"], t["metric"]): t["met"] for t in document.get("targets", [])}
    lines = [
        "| benchmark | Engage p50 / p99 | raw p50 / p99 | ratio p50 / p99 | target | met? |",
        "|---|---|---|---|---|---|",
    ]

    def row(*cells: str) -> None:
        lines.append("| " + " | ".join(cells) + " |")

    names = {
        "create": "1. create project (HTTP) vs `start_workflow`",
        "submit": "2. submit milestone (HTTP) vs `execute_update`",
        "detail": "3. project detail (HTTP) vs query",
    }
    for bench, title in names.items():
        for db, r in results.get(bench, {}).items():
            if not _ok(r) or "ratio" not in r:
                row(f"{title} [{db}]", str(r.get("status", "—")), "", "", "", "")
                continue
            ok50, ok99 = met.get((bench, db, "ratio_p50")), met.get((bench, db, "ratio_p99"))
            row(
                f"{title} [{db}]",
                _pair(r["engage"]),
                _pair(r["raw"]),
                f"{r['ratio']['p50']} / {r['ratio']['p99']}",
                "≤ 1.5 / ≤ 2",
                f"{_met(ok50)} / {_met(ok99)}",
            )
            if "raw_over_http" in r:
                row(
                    f"{title.split(' (HTTP)')[0]}: raw call behind the thinnest HTTP route [{db}]",
                    "—",
                    _pair(r["raw_over_http"]),
                    f"HTTP alone {r['http_ratio']['p50']} / {r['http_ratio']['p99']}; "
                    f"Engage over it {r['own_ratio']['p50']} / {r['own_ratio']['p99']}",
                    "—",
                    "—",
                )
            if "back_to_back" in r:
                b2b = r["back_to_back"]
                row(
                    f"{title.split(' vs ')[0]}, back to back [{db}]",
                    _pair(b2b["engage"]),
                    _pair(b2b["raw"]),
                    f"{b2b['ratio']['p50']} / {b2b['ratio']['p99']}",
                    "no target",
                    "—",
                )
            if "load" in r:
                load = r["load"]
                row(
                    f"1. create, throughput at concurrency {load['concurrency']} [{db}]",
                    f"{load['engage']['per_second']}/s ({_pair(load['engage'])})",
                    f"{load['raw']['per_second']}/s ({_pair(load['raw'])})",
                    f"{load['throughput_ratio']}",
                    "—",
                    "—",
                )
    for db, r in results.get("list", {}).items():
        if _ok(r) and "engage" in r:
            row(
                f"4. list, stage + overdue, {r['projects']:,} projects [{db}]",
                _pair(r["engage"]),
                "—",
                "—",
                f"p99 < {LIST_P99_MS:.0f} ms",
                _met(met.get(("list", db, f"p99_ms_stage_overdue_{r['projects']}"))),
            )
    for db, r in results.get("fanout", {}).items():
        if _ok(r):
            raw = r["raw"]["timer"]
            e = r["engage"]
            engage = e.get("status") or f"all in outbox {e['all_in_outbox_after_s']} s after due ({e['per_second']}/s)"
            row(
                f"5. follow-up fan-out, {r['workflows']:,} due at once, {RESPONDENTS} respondents each [{db}]",
                engage,
                f"all done {raw['all_done_after_s']} s after due ({raw['per_second']}/s)",
                f"{r.get('ratio', '—')} (rate)",
                f"≥ {FANOUT_MIN_RATIO} x raw rate",
                _met(met.get(("fanout", db, "rate_ratio"))),
            )
            both = r["raw"].get("timer_and_activity")
            if both and e.get("per_second") and both.get("per_second"):
                row(
                    f"5. fan-out vs timer + one no-op activity per workflow [{db}]",
                    f"{e['per_second']}/s",
                    f"all done {both['all_done_after_s']} s after due ({both['per_second']}/s)",
                    f"{round(e['per_second'] / both['per_second'], 2)} (rate)",
                    "—",
                    "—",
                )
    for db, r in results.get("lifecycle", {}).items():
        if _ok(r) and "history_events" in r:
            row(
                f"6. lifecycle proposal → follow_up over HTTP [{db}]",
                f"{r['wall_s_p50']} s wall ({r['requests']} requests); {r['history_events']} history events; "
                f"{r['event_rows']} event rows",
                "—",
                "—",
                f"< {HISTORY_MAX} history events",
                _met(met.get(("lifecycle", db, "history_events"))),
            )
    for db, r in results.get("memory", {}).items():
        if _ok(r) and "open" in r:
            sizes = "; ".join(
                f"{int(k):,} open ({v['cached']:,} cached): {v['rss_mib']} MiB" for k, v in r["open"].items()
            )
            row(
                f"7. worker RSS, max_cached_workflows={r['max_cached_workflows']:,} [{db}]",
                sizes,
                "—",
                "—",
                "bounded, < 1 GiB",
                _met(met.get(("memory", db, "worker_rss_mib_largest"))),
            )
            ev = r.get("eviction", {})
            if "evicted" in ev:
                row(
                    f"7. update to an evicted vs a cached project [{db}]",
                    _pair(ev["evicted"]),
                    _pair(ev["cached"]) + " (cached)",
                    f"{ev['ratio']['p50']} / {ev['ratio']['p99']}",
                    "measured",
                    "—",
                )
    return "\n".join(lines)

"""BENCHMARKS.md from a run's raw figures: tables per scenario, the targets met or missed by how much.

Everything between ``<!-- notes -->`` and ``<!-- /notes -->`` in an existing BENCHMARKS.md is kept: that is where
people explain the figures (why a target is missed, what was tried); the rest is regenerated.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

NOTES = re.compile(r"<!-- notes -->.*?<!-- /notes -->", re.S)

# (key, description, target, unit, higher is better)
TARGETS = [
    ("engine_p99", "jobs for a seeker with filters, inside the engine, p99 (worst filtered scope)", 2.0, "ms", False),
    ("api_p99", "jobs for a seeker through the API, p99 (32 clients)", 20.0, "ms", False),
    ("recall", "recall@10 against exact search with the same filters (worst scope, refined pool)", 0.97, "", True),
    ("bytes_per_vector", "index memory per posting", 450.0, "B", False),
    ("load_s", "index load at start", 3.0, "s", False),
    ("api_rps", "API requests/s, stored-profile matches, zero errors", 500.0, "req/s", True),
    ("bulk_ingest", "bulk ingest including embedding", 300.0, "postings/s", True),
]
FILTERED = ("desired (default)", "county", "city", "province", "radius 50 km", "city + full-time + salary ≥ 5000")


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _size(n: int | str) -> str:
    n = int(n)
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k"


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_fmt(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _errors(load: dict[str, Any]) -> int:
    """Failed requests of one load run: answers outside 2xx (counted per status) and transport errors."""
    return sum(load["non_2xx"].values()) + load["transport_errors"]


def target_figures(results: dict[str, Any]) -> dict[str, tuple[float | None, str]]:
    """Each target's measured value at the largest size that has it, and where it comes from."""
    out: dict[str, tuple[float | None, str]] = {}
    engine = results.get("engine", {})
    if engine:
        n = max(engine, key=int)
        e = engine[n]
        scopes = {k: v for k, v in e["jobs_for_seeker"].items() if k in FILTERED}
        worst = max(scopes, key=lambda k: scopes[k]["p99_ms"])
        out["engine_p99"] = (scopes[worst]["p99_ms"], f"{_size(n)}, {worst}")
        low = min(scopes, key=lambda k: scopes[k]["recall_at_10"])
        raw = min(scopes[k].get("index_recall_at_10", 1.0) for k in scopes)
        out["recall"] = (scopes[low]["recall_at_10"], f"{_size(n)}, {low}; the 8-bit index alone: ≥ {raw}")
        out["bytes_per_vector"] = (e["index"]["bytes_per_vector"], f"{_size(n)}, {e['index']['spec']}")
        out["load_s"] = (e["index"]["load_s"], f"{_size(n)}")
    api = results.get("api", {})
    if api:
        n = max(api, key=int)
        a = api[n]["jobs_for_seeker"]
        errors = _errors(a)
        out["api_p99"] = (a["latency_ms"]["p99"], f"{_size(n)}, {errors} errors")
        out["api_rps"] = (a["requests_per_s"], f"{_size(n)}, {errors} errors")
        out["bulk_ingest"] = (api[n]["ingest_bulk"]["postings_per_s"], f"{_size(n)}, POST /jobs/bulk of 500")
    return out


def write_report(results: dict[str, Any], path: Path) -> None:
    m = results["machine"]
    lines = ["# Benchmarks", "",
             f"Measured {results['date']} with `{results['command']}` (raw figures: the JSON file of the run in "
             "`bench/results/`). Every figure below comes from that run; nothing is copied from elsewhere.", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}, Python {m['python']}; "
             f"GPU: {m['gpu'] or 'none'}.", "",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".", "",
             f"Model: `{results['model']['model_id']}` ({results['model']['precision']}).", ""]
    if results.get("wall_s"):
        lines += ["Wall time of the run: " + ", ".join(f"{_size(n)} {s / 60:.1f} min" for n, s in
                                                     results["wall_s"].items())
                  + (f"; {results['total_s'] / 60:.1f} min in all, with loading the model, the anchors and the "
                     "embedding benchmark" if "total_s" in results else "") + ".", ""]

    lines += ["## Targets", ""]
    figures = target_figures(results)
    rows = []
    for key, text, target, unit, higher in TARGETS:
        value, where = figures.get(key, (None, "not measured in this run"))
        if value is None:
            verdict = "not measured"
        else:
            met = value >= target if higher else value <= target
            gap = (target - value) / target if higher else (value - target) / target
            verdict = "met" if met else f"missed by {gap:.0%}"
        rows.append([text, f"{'≥' if higher else '≤'} {_fmt(target, 2)} {unit}".strip(),
                     f"{_fmt(value, 3)} {unit}".strip(), where, verdict])
    lines += _table(["target", "bar", "measured", "where", "verdict"], rows)

    lines += ["<!-- notes -->", "", "<!-- /notes -->", ""]

    engine = results.get("engine", {})
    if engine:
        a = results["anchors"]
        lines += ["## Data", "",
                  f"Anchors: {a['postings']:,} generated postings and {a['seekers']:,} seekers embedded with the model "
                  f"(median cosine of a posting to its nearest other posting: {a['nearest_cosine_median']}). "
                  "Larger sizes are synthetic postings around them (see `bench/data.py`): "]
        lines += _table(["postings", "synthesis s", "median cosine to anchor", "noise scale"],
                        [[_size(n), e["data"]["synthesis_s"], e["data"]["synthetic_to_anchor_cosine_median"],
                          e["data"]["noise_scale"]] for n, e in engine.items()])
        lines += ["## Index", "", "Memory is the resident-set growth of a fresh process loading the saved index "
                  "(`bench/memory.py`); load is that load (files in the page cache).", ""]
        lines += _table(["postings", "spec", "build s", "save s", "load s", "memory B/vector", "disk B/vector",
                         "calibration"],
                        [[_size(n), e["index"]["spec"], e["index"]["build_s"], e["index"]["save_s"],
                          e["index"]["load_s"], e["index"]["bytes_per_vector"], e["index"]["disk_bytes_per_vector"],
                          ", ".join(f"{k} {v}" for k, v in e["index"]["calibration"].items()) or "–"]
                         for n, e in engine.items()])
        lines += ["## Jobs for a seeker, inside the engine", "",
                  "One query at a time: region index → hard filters → allow-list → index search (k = max(50, 5·10)) → "
                  "exact float32 scores of the pool → lexical scores → vectorised rerank → explanations of the top "
                  "10. `filter` and `search` are medians of those steps alone. Recall@10 inside the same allow-list "
                  "against exact float32 search: `index` of the 8-bit index alone, `pool` of the top 10 of the pool "
                  "after the float32 refine (the semantic top 10 the rerank works from). Each scenario starts with "
                  "10 untimed queries; recall is computed after the timed pass, so its exact searches do not evict "
                  "the caches between timed queries.", ""]
        for n, e in engine.items():
            lines += [f"### {_size(n)} postings", ""]
            lines += _table(["filters", "p50 ms", "p95 ms", "p99 ms", "filter ms", "search ms", "eligible",
                             "share", "recall@10 index", "recall@10 pool"],
                            [[name, r["p50_ms"], r["p95_ms"], r["p99_ms"], r["filter_p50_ms"], r["search_p50_ms"],
                              r["eligible_mean"], f"{r['eligible_share']:.3%}", r.get("index_recall_at_10"),
                              r["recall_at_10"]] for name, r in e["jobs_for_seeker"].items()])
        lines += ["## Selective filters (random allow-lists), the index alone", ""]
        rows = []
        for n, e in engine.items():
            for share, r in e["selective_filters"].items():
                rows.append([_size(n), share, r["p50_ms"], r["p99_ms"], r["recall_at_10"]])
        lines += _table(["postings", "allowed", "p50 ms", "p99 ms", "recall@10"], rows)
        lines += ["## Candidates for a posting, inside the engine", ""]
        rows = []
        for n, e in engine.items():
            c = e["candidates_for_job"]
            for scope in ("city (default)", "province", "radius 50 km"):
                rows.append([_size(n), c["seekers"], c["spec"], scope, c[scope]["p50_ms"], c[scope]["p99_ms"]])
        lines += _table(["postings", "seekers", "seeker index", "scope", "p50 ms", "p99 ms"], rows)
        lines += ["## Incremental writes", ""]
        lines += _table(["postings", "add one p50 ms", "add one p99 ms", "remove one p50 ms", "remove one p99 ms",
                         "columns upsert p50 ms", "add 1,000 s", "remove 1,000 s"],
                        [[_size(n), e["incremental"]["add_one"]["p50_ms"], e["incremental"]["add_one"]["p99_ms"],
                          e["incremental"]["remove_one"]["p50_ms"], e["incremental"]["remove_one"]["p99_ms"],
                          e["incremental"]["columns_upsert_one"]["p50_ms"], e["incremental"]["add_1000_s"],
                          e["incremental"]["remove_1000_s"]] for n, e in engine.items()])
        lines += _peers(engine)
    api = results.get("api", {})
    if api:
        lines += ["## Through the API", "",
                  "The real `rengang serve` (one uvicorn process, SQLite) on loopback, driven by `bench/load.py` "
                  "(asyncio, keep-alive connections, in a separate process). Ingest embeds each posting in the "
                  "request path.", ""]
        rows = []
        for n, a in api.items():
            for name, label in (("jobs_for_seeker", "GET /seekers/{id}/matches?k=10"),
                                ("candidates_for_job", "GET /jobs/{id}/matches?k=10"),
                                ("text_match", "POST /matches/jobs (encodes the text)"),
                                ("ingest_single", "POST /jobs (8 clients)"),
                                ("ingest_bulk", "POST /jobs/bulk, 500 a request (1 client)")):
                r = a[name]
                rows.append([_size(n), label, r["concurrency"], r["duration_s"], r["requests_per_s"],
                             r.get("postings_per_s", "–"), r["latency_ms"]["p50"], r["latency_ms"]["p99"],
                             _errors(r)])
        lines += _table(["postings", "request", "clients", "s", "req/s", "postings/s", "p50 ms", "p99 ms", "errors"],
                        rows)
        lines += _table(["postings", "start-up to ready s", "service RSS MiB (ready → after)", "bulk insert, no "
                         "embedding, postings/s"],
                        [[_size(n), a["startup_s"], f"{a['service_rss_mb']} → {a['service_rss_mb_after']}",
                          a["database"]["bulk_insert_postings_per_s"]] for n, a in api.items()])
    if "embedding" in results:
        lines += _embedding(results["embedding"])
    return path.write_text(_keep_notes(path, "\n".join(lines)), encoding="utf-8")


def _peers(engine: dict[str, Any]) -> list[str]:
    lines = ["## Peers on the same vectors, queries and allow-lists", "",
             "Latency is one query at a time, including turning the allow-list into the peer's filter. Ratios are "
             "peer ÷ rengang (above 1: rengang is faster or smaller).", ""]
    for n, e in engine.items():
        p = e.get("peers")
        if not p:
            continue
        own = p["rengang"]
        rows = [["rengang (" + e["index"]["spec"] + ")", e["index"]["build_s"], e["index"]["bytes_per_vector"], "–",
                 *[f"{own[s]['p50_ms']:.3f} / {own[s]['recall']:.3f}" for s in own], "–"]]
        for name, peer in p["peers"].items():
            if "skipped" in peer:
                rows.append([name, "skipped: " + peer["skipped"], "", "", *["" for _ in own], ""])
                continue
            cells, ratios = [], []
            for s in own:
                f = peer["filters"].get(s)
                if not f:
                    cells.append("–")
                    continue
                cells.append(f"{f['p50_ms']:.3f} / {f['recall']:.3f}")
                ratios.append(f["p50_ms"] / max(own[s]["p50_ms"], 1e-6))
            rows.append([name, peer["build_s"], peer.get("bytes_per_vector_rss"), peer.get("filter_method", ""),
                         *cells, " / ".join(f"{r:.1f}×" for r in ratios)])
        lines += [f"### {_size(n)} postings (p50 ms / recall@10 per allow-list)", ""]
        lines += _table(["index", "build s", "B/vector", "filter", *list(own), "p50 ratio per allow-list"], rows)
    return lines


def _embedding(emb: dict[str, Any]) -> list[str]:
    lines = ["## Embedding throughput", "",
             f"Device: {emb.get('device_name', emb.get('device'))}; torch {emb.get('torch_version')} with "
             f"{emb.get('threads')} threads; {emb.get('texts')} generated posting texts of {emb.get('mean_tokens', 0):.0f} "
             f"tokens on average (at most {emb.get('max_tokens')}). texts/s is wall-clock on all threads; fidelity is "
             "the mean cosine to float32 vectors of the whole text.", ""]
    rows = []
    for name, variant in emb.get("variants", {}).items():
        for batch, rate in variant.get("texts_per_s", {}).items():
            cpu = variant.get("cpu_texts_per_s", {}).get(batch)
            rows.append([name, batch, round(rate, 1), "–" if cpu is None else round(cpu, 1),
                         round(variant["cosine_to_float32_mean"], 5)])
    lines += _table(["variant", "batch", "texts/s", "texts per CPU-second", "cosine to float32"], rows)
    return lines


def _keep_notes(path: Path, text: str) -> str:
    if path.exists():
        old = NOTES.search(path.read_text(encoding="utf-8"))
        if old:
            return NOTES.sub(lambda _m: old.group(0), text, count=1)
    return text

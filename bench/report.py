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
    # issue 15: the whole engine path beside pgvector in PostgreSQL, and p99 at a million by scope
    ("pg_ratio", "engine's whole path p50 ÷ pgvector's (B-tree + exact) p50, worst scope", 1.0, "×", False),
    ("engine_p99_city", "jobs for a seeker, inside the engine, p99, scopes up to a city (worst)", 2.0, "ms", False),
    ("engine_p99_wide", "jobs for a seeker, inside the engine, p99, province and no region filter (worst)", 5.0,
     "ms", False),
    ("api_rps", "API requests/s, stored-profile matches, zero errors", 500.0, "req/s", True),
    ("bulk_ingest", "bulk ingest including embedding", 300.0, "postings/s", True),
    # the multi-process service (bench/multiprocess.py), when the run has it
    ("mp_scaling", "stored-profile matches, 2 API processes ÷ 1 (req/s; 0.85 × N)", 1.7, "×", True),
    ("mp_rps", "stored-profile matches with 2 API processes, zero errors", 500.0, "req/s", True),
    ("mp_memory", "memory of 2 API processes ÷ 1 (sum of PSS after the load)", 1.3, "×", False),
    ("mp_write", "write to matchable through every process, p99", 2.0, "s", False),
    ("mp_accept", "bulk ingest accepted (POST /jobs/bulk of 1,000)", 2000.0, "postings/s", True),
    ("mp_ready", "ready after kill -9 during a bulk import", 15.0, "s", False),
    ("mp_slowdown", "stored-profile matches while the worker embeds a bulk import, slower by (req/s; worse of "
     "embedding and importing)", 20.0, "%", False),
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
        mine = e["jobs_for_seeker"]
        small = [k for k in ("desired (default)", "county", "city", "city + full-time + salary ≥ 5000") if k in mine]
        wide = [k for k in ("province", "no region filter") if k in mine]
        if small:
            k = max(small, key=lambda k: mine[k]["p99_ms"])
            out["engine_p99_city"] = (mine[k]["p99_ms"], f"{_size(n)}, {k}")
        if wide:
            k = max(wide, key=lambda k: mine[k]["p99_ms"])
            out["engine_p99_wide"] = (mine[k]["p99_ms"], f"{_size(n)}, {k}")
        with_pg = [m for m in engine if "scopes" in engine[m].get("pgvector", {})]
        if with_pg:
            m = max(with_pg, key=int)
            pg, ours = engine[m]["pgvector"]["scopes"], engine[m]["jobs_for_seeker"]
            ratios = {k: ours[k]["p50_ms"] / v["exact"]["p50_ms"] for k, v in pg.items()
                      if k in ours and v.get("exact", {}).get("p50_ms")}
            if ratios:
                k = max(ratios, key=ratios.get)
                met = sum(r <= 1.0 for r in ratios.values())
                out["pg_ratio"] = (ratios[k], f"{_size(m)}, {k}; at or below on {met} of {len(ratios)} scopes")
    api = results.get("api", {})
    if api:
        n = max(api, key=int)
        a = api[n]["jobs_for_seeker"]
        errors = _errors(a)
        out["api_p99"] = (a["latency_ms"]["p99"], f"{_size(n)}, {errors} errors")
        out["api_rps"] = (a["requests_per_s"], f"{_size(n)}, {errors} errors")
        if "topology" not in api[n]:  # before embedding moved to workers, a bulk request embedded its postings
            out["bulk_ingest"] = (api[n]["ingest_bulk"]["postings_per_s"], f"{_size(n)}, POST /jobs/bulk of 500")
    mp = results.get("multiprocess")
    if mp:
        n, two = _size(mp["n"]), mp["replicas"]["2"]["matches"]
        out["mp_scaling"] = (mp["throughput_ratio"], f"{n}, {mp['replicas']['1']['matches']['requests_per_s']:.1f} → "
                             f"{two['requests_per_s']:.1f} req/s")
        out["mp_rps"] = (two["requests_per_s"], f"{n}, 32 clients, {_errors(two)} errors")
        mem = [mp["replicas"][k]["memory_after_load"]["sum_mib"]["pss"] for k in ("1", "2")]
        out["mp_memory"] = (mp["pss_ratio"], f"{n}, {mem[0]:,.0f} → {mem[1]:,.0f} MiB")
        w = mp["write_to_matchable"]
        out["mp_write"] = (w["latency_s"]["p99"], f"{n}, {w['rate_per_s']:g}/s for {w['duration_s']:.0f} s, "
                           f"{w['matchable']}/{w['written']} seen")
        out["mp_accept"] = (mp["bulk_accept"]["accepted_per_s"], f"{n}, {mp['bulk_accept']['accepted']:,} postings, "
                            f"{mp['bulk_accept']['clients']} clients")
        out["mp_ready"] = (mp["crash"]["ready_s"], f"{n}, snapshot on disk")
        emb, imp = (mp[k]["slowdown"] for k in ("matches_during_embedding", "matches_during_import"))
        if "throughput" in emb:
            out["mp_slowdown"] = (100 * max(emb["throughput"], imp["throughput"]),
                                  f"{n}, embedding {emb['throughput']:+.0%} (p50 {emb['p50']:+.0%}, p99 "
                                  f"{emb['p99']:+.0%}), importing {imp['throughput']:+.0%}")
        else:  # results from before the throughput figure
            out["mp_slowdown"] = (100 * max(emb.values()), f"{n}, p50 {emb['p50']:+.0%}, p99 {emb['p99']:+.0%}")
        out["bulk_ingest"] = (mp["embedding"]["embedded_per_s"], f"{n}, one embedding worker, nothing else running")
    return out


def write_report(results: dict[str, Any], path: Path) -> None:
    m = results["machine"]
    merged = results.get("multiprocess", {}).get("measured")
    if merged and merged["command"] == results["command"] and merged["date"] == results["date"]:
        merged = None  # measured in this very run
    lines = ["# Benchmarks", "",
             f"Measured {results['date']} with `{results['command']}` (raw figures: the JSON file of the run in "
             "`bench/results/`). Every figure below comes from that run; nothing is copied from elsewhere"
             + (f", except the section on several processes, measured {merged['date']} with `{merged['command']}` "
                f"(raw figures: `{merged['json']}`)." if merged else "."), "",
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
        lines += _pgvector(engine)
    api = results.get("api", {})
    if api:
        workers_era = any("topology" in a for a in api.values())
        lines += ["## Through the API", "",
                  "The real `rengang serve` (one uvicorn process, SQLite) on loopback, driven by `bench/load.py` "
                  "(asyncio, keep-alive connections, in a separate process). "
                  + ("`--workers 1 --embed-workers 1`, started on a saved snapshot; ingest answers once the postings "
                     "are committed (`\"matching\": \"pending\"`), the worker embeds them afterwards." if workers_era
                     else "Ingest embeds each posting in the request path."), ""]
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
    for key in ("multiprocess", "multiprocess_postgresql"):
        if key in results:
            lines += _multiprocess(results[key], results["machine"])
    if "embedding" in results:
        lines += _embedding(results["embedding"])
    return path.write_text(_keep_notes(path, "\n".join(lines)), encoding="utf-8")


def _split(load: dict[str, Any]) -> str:
    split = load.get("connections_per_api_process")
    return " + ".join(map(str, split)) if split else "–"


def _multiprocess(mp: dict[str, Any], machine: dict[str, Any]) -> list[str]:
    measured = mp.get("measured", {})
    m = measured.get("machine", machine)
    n = _size(mp["n"])
    backend = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(mp["backend"], mp["backend"])
    lines = [f"## Several processes on {backend}: `rengang serve --workers N --embed-workers M`", "",
             f"{n} postings and {mp['database']['seekers']:,} seekers in {backend}, stored vectors, an empty "
             f"embedding queue and snapshots on disk (postings {mp['snapshot_disk_mib']['job']} MiB). Machine: "
             f"{m['cpu']}, {m['cores']} cores. `bench/multiprocess.py` drives the real `rengang serve` on loopback: "
             f"match loads with `bench/load.py` ({mp['concurrency']} clients, {mp['duration_s']:.0f} s after 5 s of "
             "warm-up), everything else with one request per new connection, so any API process may answer.", ""]
    replaced = [w for w in mp.get("api_process_watch", []) if w["replaced"]]
    svc = mp.get("service", {})
    if "api_process_watch" in mp:
        who = ("`serve` replaced (a child that died starts its engine over)" if svc.get("api_sockets")
               else "uvicorn replaced (a child that died or missed its 5-s health check starts its engine over)")
        lines += [f"API processes {who}: " + ("; ".join(f"{w['replaced']} under `{w['service']}`" for w in replaced)
                                              if replaced else "none") + ".", ""]
    if svc:
        lines += [f"Service as run: each API process {svc['api_sockets']}; bulk backlogs embedded at CPU priority "
                  f"`{svc['embed_cpu_priority']}` (postings saved on their own at normal priority); snapshots saved "
                  f"by {svc['snapshot_saver']}; model weights {svc['model_weights']}.", ""]
    lines += ["### Stored-profile matches and memory, no embedding worker", "",
              "`GET /seekers/{id}/matches?k=10`. Memory sums the API processes (not their supervisor): RSS, "
              "PSS from `/proc/<pid>/smaps_rollup` (a page shared by two processes counts half in each), and the "
              "part of each that is the memory-mapped snapshot files (`/proc/<pid>/smaps`), after the load."
              + (" Each API process also loads the embedding model for free-text queries; its weights are a "
                 "memory-mapped file the processes share (file-backed, not anonymous)." if svc.get("model_weights")
                 else f" Each API process also loads the embedding model for free-text queries: "
                 f"{mp['floor']['model']['float32_weights_mib']} MiB of float32 weights (from its config, not "
                 "measured), anonymous memory, not shared." if "float32_weights_mib" in mp["floor"]["model"] else ""),
              ""]
    rows = []
    for workers, r in mp["replicas"].items():
        load, mem = r["matches"], r["memory_after_load"]["sum_mib"]
        rows.append([f"--workers {workers}", r["ready_s"], round(load["requests_per_s"], 1), load["latency_ms"]["p50"],
                     load["latency_ms"]["p99"], _errors(load), _split(load), round(load["client_cpu_share"], 2),
                     mem["rss"], mem["pss"], mem["pss_anon"], f"{mem['snapshot_rss']} / {mem['snapshot_pss']}"])
    lines += _table(["API processes", "ready s", "req/s", "p50 ms", "p99 ms", "errors", "connections per process",
                     "load generator CPU", "RSS MiB", "PSS MiB", "of it anonymous", "snapshot RSS / PSS MiB"], rows)
    w = mp["write_to_matchable"]
    lines += ["### Write to matchable (`--workers 2 --embed-workers 1`)", "",
              f"`POST /jobs` at {w['rate_per_s']:g} a second for {w['duration_s']:.0f} s, each posting with a title of "
              f"its own, in {len(w['counties'])} counties no other posting uses; `POST /matches/jobs` (`scope=county`, "
              f"`k=100`) polled every {w['poll_interval_s']} s per county with postings not yet seen. Seconds from a "
              "write's answer (committed) to the first poll answer that lists it.", ""]
    lat = w["latency_s"]
    lines += _table(["written", "answered pending", "write errors", "matchable", "p50 s", "p90 s", "p99 s", "max s",
                     "write p50 s", "poll p50 s"],
                    [[w["written"], w["answered_pending"], w["write_errors"], w["matchable"], lat["p50"], lat["p90"],
                      lat["p99"], lat["p100"], w["write_request_s"]["p50"], w["poll_request_s"]["p50"]]])
    acc, emb, floor = mp["bulk_accept"], mp["embedding"], mp["floor"]
    imp = mp["matches_during_import"]["import"]
    lines += ["### Bulk ingest and embedding", "",
              f"Accepted: `POST /jobs/bulk` of {acc['items_per_request']:,} postings, committed and answered; the "
              f"embedding worker ({'CPU priority ' + svc['embed_cpu_priority'] if svc else 'nice 10'}) embeds them afterwards. Embedded: the queue's drain and the worker's own "
              f"counters over {emb['window_s']:.0f} s with nothing else running. Floor: "
              f"{floor['model']['flops'] / 1e9:.2f} GFLOP a text at {floor['model']['tokens']} tokens "
              f"({floor['model']['layers']} layers, hidden {floor['model']['hidden']}, feed-forward "
              f"{floor['model']['intermediate']}: 2 × {floor['model']['matmul_weights']:,} matmul weights × tokens + "
              f"4·T²·d per layer for attention) over {floor['matmul']['gflops']} GFLOP/s, {floor['matmul'].get('dtype', 'float32')} `torch.matmul` of "
              f"{floor['matmul']['size']}² matrices on {floor['matmul']['threads']} threads (the worker's count) = "
              f"{floor['texts_per_s']} texts/s.", ""]
    lines += _table(["what", "postings", "s", "postings/s", "request p50 s", "errors"],
                    [["accepted, nothing else running", acc["accepted"], acc["seconds"], acc["accepted_per_s"],
                      acc["request_s"]["p50"], acc["errors"]],
                     ["accepted during the match load (1 client)", imp["accepted"], imp["seconds"],
                      imp["accepted_per_s"], imp["request_s"]["p50"], imp["errors"]],
                     ["embedded by one worker", int(emb["embedded"]), emb["window_s"], emb["embedded_per_s"], "–",
                      "–"]])
    lines += _table(["embedded/s", "per encoding second", "queue drained/s", "floor texts/s", "of the floor",
                     "snapshots saved meanwhile"],
                    [[emb["embedded_per_s"], emb["embedded_per_encode_s"], emb["queue_drained_per_s"],
                      floor["texts_per_s"], f"{emb['of_floor']:.1%}", emb["snapshots_saved"]]])
    lines += ["### kill -9 of the serve process group during a bulk import", "",
              "SIGKILL to `rengang serve`'s process group (API processes, supervisor, embedding worker) while "
              "`POST /jobs/bulk` requests of 1,000 run one after another; then `rengang serve` again. `answering`: "
              "the first answer from `/readyz` (503 while the engine loads); `ready`: its first 200; `every "
              "process`: until `/metrics` shows each API process's change-log position (reported every 5 s, so an "
              "upper bound).", ""]
    rows = []
    for name, label in (("crash", "database at its size, snapshot on disk"),
                        ("crash_with_backlog", "after the imports below, their backlog queued")):
        c = mp.get(name)
        if not c:
            continue
        b = c.get("backlog_when_ready") or {}
        rows.append([label, c["acknowledged_before_kill"], c["postings_written_before_kill"],
                     c["committed_not_acknowledged"], c.get("answering_s"), c["ready_s"],
                     c["all_api_processes_reporting_s"],
                     sum(b.get("pending", {}).values()) if b else "–",
                     f"{b.get('applied_seq', '–')} / {b.get('head_seq', '–')} (lag {b.get('lag', '–')})",
                     ", ".join(f"{k} {v:,}" for k, v in b.get("index_size", {}).items())])
    lines += _table(["when", "acknowledged", "written", "committed, not acknowledged", "answering s", "ready s",
                     "every process s",
                     "pending when ready", "applied / head seq", "index size"], rows)
    base = mp["matches_baseline"]
    lines += ["### Stored-profile matches beside a bulk import (`--workers 2 --embed-workers 1`)", "",
              f"The same load with the worker idle; while a bulk import of {n} postings is accepted (one client, "
              "requests of 1,000); then while the worker embeds their backlog.", ""]
    rows = [["worker idle", round(base["requests_per_s"], 1), base["latency_ms"]["p50"], base["latency_ms"]["p99"],
             "–", "–", "–", _errors(base), _split(base), "–"]]
    for name, label in (("matches_during_import", "during the import"),
                        ("matches_during_embedding", "while the worker embeds")):
        r = mp[name]
        extra = r.get("import") or r.get("backlog") or {}
        slow = r["slowdown"]
        rows.append([label, round(r["requests_per_s"], 1), r["latency_ms"]["p50"], r["latency_ms"]["p99"],
                     f"{slow['throughput']:+.0%}" if "throughput" in slow else "–",
                     f"{slow['p50']:+.0%}", f"{slow['p99']:+.0%}", _errors(r), _split(r),
                     extra.get("snapshots_saved", "–")])
    lines += _table(["matches", "req/s", "p50 ms", "p99 ms", "slower by (req/s)", "p50 slower by", "p99 slower by",
                     "errors", "connections per process", "snapshots saved meanwhile"], rows)
    return lines


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


def _pgvector(engine: dict[str, Any]) -> list[str]:
    """pgvector (bench/pgvector.py) per scope beside the engine's whole path from the same run."""
    runs = {n: e["pgvector"] for n, e in engine.items() if e.get("pgvector")}
    if not runs:
        return []
    lines = ["## pgvector in PostgreSQL, beside the engine's whole path", "",
             "The same postings in a PostgreSQL table (`bench/pgvector.py`), B-tree indexes on region, city and "
             "province; per scope the same anchor seekers as the engine's scenarios (their own draw), one query at a "
             "time: `SELECT id … WHERE <the engine's hard filters for that seeker> ORDER BY embedding <=> $v LIMIT "
             "10`, values bound server-side and never prepared, so each query is planned with its values. Latency is "
             "the client round trip with planning. Engine: the whole path of *Jobs for a seeker* above (filters, "
             "search, lexical scores, rerank, explanations), same run. Recall@10 against exact float32 search over "
             "the same filters. Eligible: mean postings passing the filters per query, the engine's over its own draw of "
             "seekers, the SQL's over pgvector's (the two filters agree seeker by seeker: "
             "`tests/test_bench_pgvector.py`). Ratio: pgvector p50 ÷ engine p50 (above 1: the engine is faster).", ""]
    for n, pg in runs.items():
        if "skipped" in pg:
            lines += [f"### {_size(n)} postings", "", f"pgvector skipped: {pg['skipped']}", ""]
            continue
        srv, mem, hnsw = pg["server"], pg["memory"], pg.get("hnsw", {})
        own = engine[n]["jobs_for_seeker"]
        variants = hnsw.get("variants", {})
        settings = ", ".join(f"`{k}` {v}" for k, v in pg["settings"].items())
        lines += [f"### {_size(n)} postings", "",
                  f"PostgreSQL {srv['postgresql']} with pgvector {srv['pgvector']} ({srv['started_by']}); {settings}. "
                  f"Load (binary COPY, B-trees, VACUUM ANALYZE) {pg['load_s']} s; table "
                  f"{mem['table_bytes_per_vector']} B/posting, B-trees {mem['btree_bytes_per_vector']} B/posting"
                  + (f"; HNSW (m {hnsw['m']}, ef_construction {hnsw['ef_construction']}) built in {hnsw['build_s']} s, "
                     f"{hnsw['index_bytes_per_vector']} B/posting, `hnsw.ef_search` {hnsw['ef_search']} (unfiltered "
                     f"recall@10 {hnsw['unfiltered_recall']})"
                     if "build_s" in hnsw else "")
                  + (f". {hnsw['iterative_scan'][0].upper()}{hnsw['iterative_scan'][1:]}" if "iterative_scan" in hnsw
                     else "") + ".", ""]
        header = ["scope", "eligible engine / SQL", "engine p50 / p99 ms", "pgvector B-tree + exact p50 / p99 ms",
                  "recall@10", "p50 ratio"]
        for name in variants:
            header += [f"{name} p50 / p99 ms", "recall@10", "p50 ratio"]
        rows, faster = [], 0
        for scope, r in pg["scopes"].items():
            if "skipped" in r:
                rows.append([scope, "skipped: " + r["skipped"], *["" for _ in header[2:]]])
                continue
            mine, ex = own.get(scope), r["exact"]
            base = mine["p50_ms"] if mine else None
            cells = [scope, f"{mine['eligible_mean']:,.0f} / {r['eligible_mean']:,.0f}" if mine else r["eligible_mean"],
                     f"{mine['p50_ms']:.3f} / {mine['p99_ms']:.3f}" if mine else "–",
                     f"{ex['p50_ms']:.3f} / {ex['p99_ms']:.3f}", f"{ex['recall_at_10']:.3f}",
                     f"{ex['p50_ms'] / base:.1f}×" if base else "–"]
            faster += bool(base is not None and base <= ex["p50_ms"])
            for variant in variants.values():
                v = variant["scopes"].get(scope)
                cells += ([f"{v['p50_ms']:.3f} / {v['p99_ms']:.3f}", f"{v['recall_at_10']:.3f}",
                           f"{v['p50_ms'] / base:.1f}×" if base else "–"] if v else ["–", "–", "–"])
            rows.append(cells)
        lines += _table(header, rows)
        measured = sum(1 for r in pg["scopes"].values() if "exact" in r)
        lines += [f"Engine p50 at or below pgvector's exact p50 on {faster} of {measured} scopes.", ""]
        plans = {scope: r["exact"]["plans"] for scope, r in pg["scopes"].items() if "exact" in r}
        for name, variant in variants.items():
            for scope, v in variant["scopes"].items():
                plans[f"{scope}, {name}"] = v["plans"]
        lines += ["Plans PostgreSQL chose (EXPLAIN of the first queries of each scope): "
                  + "; ".join(f"{scope}: " + ", ".join(f"{shape} ×{count}" for shape, count in p.items())
                              for scope, p in plans.items()) + ".", ""]
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

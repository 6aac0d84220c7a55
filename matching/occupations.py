"""Occupation coding: a posting title → 职业分类大典 2022 细类 codes.

:class:`OccupationCoder` scores every 细类 (name, aliases, definition, tasks) against
a cleaned title with several signals, fuses their z-scores and lets the 小类 and
中类 a candidate belongs to vote:

- term hits: the title is, contains or is contained in a name or alias;
- BM25 over jieba tokens of names and aliases, and of the whole entry;
- TF-IDF over character 2-3-grams of names and aliases (colloquial titles);
- optionally, dense cosine similarity from an embedding model, with the
  细类 embeddings cached on disk per model.

:func:`evaluate` measures top-1 / top-5 accuracy at 细类, 小类 and 中类 level.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from matching import refdata
from matching.lexical import BM25, CharNgramScorer, Lexicon, default_lexicon
from matching.sections import SectionKind, section_texts
from matching.text import clean_title, normalize

Encoder = Callable[[Sequence[str]], np.ndarray]

# Everyday words in titles → the words the 大典 uses for the same work. Generic, not per title.
TITLE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "司机": ("驾驶员",),
    "店员": ("营业员",),
    "导购": ("营业员",),
    "售货员": ("营业员",),
    "文员": ("办事员",),
    "前台": ("接待",),
    "普工": ("操作工", "生产"),
    "学徒": ("工",),
    "老师": ("教师",),
    "医生": ("医师",),
    "大夫": ("医师",),
    "客服": ("客户服务",),
    "电销": ("电话销售",),
    "厨师": ("中式烹调师",),  # unless a title says 西餐, 日料 …, a 厨师 cooks Chinese food
    "炒菜": ("烹调师",),
    "后厨": ("烹调师",),
    "师傅": ("工",),
    "保姆": ("家政服务员",),
    "阿姨": ("家政服务员",),
    "护工": ("护理员",),
    "骑手": ("配送员",),
    "外卖": ("配送员",),
    "跑腿": ("配送员",),
    "美工": ("设计",),
    "修理": ("维修",),
    "维修": ("修理",),
    "财务": ("会计",),
    "出纳": ("会计",),
    "程序员": ("软件", "开发"),
    "码农": ("软件", "开发"),
    "主播": ("全媒体", "直播"),
    "带货": ("互联网营销师", "直播销售"),
    "销售": ("营销员",),
    "业务员": ("营销员",),
    "仓管": ("仓储管理员",),
    "库管": ("仓储管理员",),
    "叉车": ("起重装卸机械操作工",),
    "电焊": ("焊工",),
    "保洁": ("保洁员",),
    "清洁": ("保洁员",),
}

LEVELS: tuple[tuple[str, int], ...] = (("细类", 4), ("小类", 3), ("中类", 2))


@dataclass(frozen=True, slots=True)
class OccupationHit:
    """One candidate 细类 for a title, best first in :meth:`OccupationCoder.code`."""

    code: str
    name: str
    score: float


@dataclass(frozen=True, slots=True)
class FusionWeights:
    """How much each signal counts; see :class:`OccupationCoder`.

    The defaults were chosen on half of the dev titles and checked on the other half.
    """

    term: float = 4.0
    bm25_names: float = 0.5
    bm25_full: float = 0.6
    ngram: float = 0.5
    dense: float = 0.0
    dense_names: float = 0.0
    text: float = 2.0
    pool: int = 20
    vote_minor: float = 0.3
    vote_sub_major: float = 0.1
    vote_top: int = 3

    @classmethod
    def lexical(cls) -> FusionWeights:
        return cls()

    @classmethod
    def hybrid(cls) -> FusionWeights:
        """With an embedder the dense signals carry as much as the lexical ones together."""
        return cls(
            term=2.0, bm25_names=1.0, bm25_full=0.6, ngram=0.25, dense=1.0, dense_names=1.0,
            vote_minor=0.5, vote_sub_major=0.2,
        )


@dataclass(slots=True)
class _Documents:
    codes: list[str]
    names: list[str]
    minor: list[np.ndarray]  # the 细类 of each 小类
    sub_major: list[np.ndarray]  # the 细类 of each 中类
    term_docs: dict[str, list[int]]
    terms: list[tuple[str, int]]
    term_starts: np.ndarray  # where each 细类's run of terms starts in ``terms``
    dense_texts: list[str]
    bm25_names: BM25 = field(default_factory=BM25)
    bm25_full: BM25 = field(default_factory=BM25)
    ngrams: CharNgramScorer = field(default_factory=CharNgramScorer)


def _zscore(scores: np.ndarray, top: int = 50) -> np.ndarray:
    """Row-wise z-scores against each row's ``top`` best scores, floored at the ``top``-th.

    Lexical scores are zero for most 细类; standardising over all of them would blow a
    handful of hits up to z ≈ 20 and make the signals incomparable. Measured over the
    candidates a signal actually retrieves, every signal lands on the same scale.
    A row without spread (no evidence) becomes zeros.
    """
    top = min(top, scores.shape[-1])
    best = -np.partition(-scores, top - 1, axis=-1)[..., :top]
    mean = best.mean(axis=-1, keepdims=True)
    std = best.std(axis=-1, keepdims=True)
    floor = best.min(axis=-1, keepdims=True)
    safe = np.where(std > 1e-9, std, 1.0)
    z = (np.maximum(scores, floor) - mean) / safe
    return np.where(std > 1e-9, z, 0.0).astype(np.float32)


def _members(group_of: list[int]) -> list[np.ndarray]:
    """Indices of the members of each group, from each item's group index."""
    groups = np.asarray(group_of)
    return [np.flatnonzero(groups == g) for g in range(int(groups.max()) + 1)]


# Head nouns that name a rank or a role in any trade. Left over when an alias such as "招聘专员/助理" is split,
# alone they would make every "xx助理" a 招聘师. Inside longer terms ("招聘助理") they still count.
GENERIC_HEADS = frozenset({
    "助理", "专员", "主管", "经理", "总监", "主任", "组长", "领班", "班长", "师傅", "学徒", "技术员", "技师",
    "工程师", "人员", "顾问", "负责人", "员工", "工人", "实习生", "管培生", "储备干部", "合伙人", "总经理", "副总",
})

PROJECT_ALIASES_CSV = refdata.DATA_DIR / "occupations" / "aliases_rengang.csv"


def project_aliases(path: Path | str = PROJECT_ALIASES_CSV) -> dict[str, tuple[str, ...]]:
    """Titles as Chinese platforms write them, by 细类 code: data written by this project (``code,alias``)."""
    out: dict[str, dict[str, None]] = {}
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out.setdefault(row["code"].strip(), {})[row["alias"].strip()] = None
    return {code: tuple(aliases) for code, aliases in out.items()}


def _names_of(occ: refdata.Occupation, extra: Sequence[str] = ()) -> list[str]:
    """Name and aliases as lower-case terms, aliases split on / and 、 (parts that are bare heads dropped)."""
    terms: dict[str, None] = {}
    for raw in (occ.clean_name, *occ.aliases, *extra):
        raw = normalize(re.sub(r"[SL]+$", "", raw)).lower()
        for part in [raw, *re.split(r"[/、,，()（）\s]+", raw)]:
            part = part.strip()
            if len(part) >= 2 and part not in GENERIC_HEADS:
                terms[part] = None
    return list(terms)


_NOT_THE_WORK = frozenset({SectionKind.company, SectionKind.benefits, SectionKind.place, SectionKind.time,
                           SectionKind.contact})


def _about_the_work(text: str | None) -> str:
    """A posting's text without the sections that describe the employer, the pay, the place or the way to apply:
    a bank's introduction must not make a developer a banker."""
    if not text:
        return ""
    return " ".join(body for kind, body in section_texts(text).items() if kind not in _NOT_THE_WORK)


_BRACKETS = re.compile(r"[（(【\[［〔「『]([^（）()【】\[\]［］〔〕「」『』]*)[）)】\]］〕」』]")


# The words that say only "a worker": stripped for the signals that weigh every word. Ranks (经理, 主管, 工程师)
# stay, since they tell a manager or an engineer from the trade's workers.
_WORKER_HEADS_RE = re.compile("|".join(map(re.escape, sorted(
    ("师傅", "学徒", "学徒工", "小工", "中工", "大工", "专员", "助理", "员工", "工人", "实习生", "普通员工"),
    key=len, reverse=True))))


def _without_heads(query: str) -> str:
    """The title without rank and role words ("磨床师傅" → "磨床"), for the signals that weigh every word; the
    title itself when that would leave less than two characters."""
    rest = _WORKER_HEADS_RE.sub(" ", query)
    return rest.strip() if len(re.sub(r"[\s\W]", "", rest)) >= 2 else query


def split_title(title: str) -> tuple[str, str]:
    """(the cleaned title outside brackets, what the brackets say): "全栈开发（杭州，银行驻场）" →
    ("全栈开发", "杭州，银行驻场"). A title that is all brackets keeps them as its main part."""
    asides = [m.strip() for m in _BRACKETS.findall(title or "") if m.strip()]
    main = clean_title(_BRACKETS.sub(" ", title or ""))
    if not main:
        return clean_title(title), ""
    return main, " ".join(asides)


class OccupationCoder:
    """Assigns 细类 codes of the 职业分类大典 2022 to posting titles.

    ``encode_queries`` / ``encode_documents`` (texts → L2-normalised rows) add a
    dense signal; without them the coder is purely lexical. ``cache_dir`` keeps the
    细类 embeddings between starts, keyed by ``model_id`` and the document texts.
    """

    def __init__(
        self,
        *,
        lexicon: Lexicon | None = None,
        encode_queries: Encoder | None = None,
        encode_documents: Encoder | None = None,
        model_id: str | None = None,
        cache_dir: Path | str | None = None,
        weights: FusionWeights | None = None,
        aliases_path: Path | str | None = None,
    ) -> None:
        if (encode_queries is None) != (encode_documents is None):
            raise ValueError("encode_queries and encode_documents go together")
        self.lexicon = lexicon or default_lexicon()
        self.encode_queries = encode_queries
        self.encode_documents = encode_documents
        self.model_id = model_id
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.weights = weights or (FusionWeights.hybrid() if encode_queries else FusionWeights.lexical())
        self.aliases_path = aliases_path
        self._lock = threading.Lock()
        self._docs: _Documents | None = None
        self._doc_embeddings: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def with_embedder(cls, embedder, *, cache_dir: Path | str | None = None, **kwargs) -> OccupationCoder:
        """A hybrid coder from an embedder (``encode_queries``, ``encode_documents``, ``model_id``)."""
        return cls(
            encode_queries=embedder.encode_queries,
            encode_documents=embedder.encode_documents,
            model_id=embedder.model_id,
            cache_dir=cache_dir,
            **kwargs,
        )

    @property
    def dense(self) -> bool:
        return self.encode_queries is not None

    # --- index ------------------------------------------------------------------

    def _documents(self) -> _Documents:
        if self._docs is None:
            with self._lock:
                if self._docs is None:
                    self._docs = self._build()
        return self._docs

    def _build(self) -> _Documents:
        occs = sorted(refdata.detailed_occupations(), key=lambda o: o.code)
        extra = project_aliases() if self.aliases_path is None else project_aliases(self.aliases_path)
        lexicon = self.lexicon
        minor_ids: dict[str, int] = {}
        sub_major_ids: dict[str, int] = {}
        term_docs: dict[str, list[int]] = {}
        terms: list[tuple[str, int]] = []
        term_starts: list[int] = []
        names_tokens, full_tokens, ngram_texts, dense_texts = [], [], [], []
        for i, occ in enumerate(occs):
            _, sub_major, minor = occ.parent_codes
            minor_ids.setdefault(minor, len(minor_ids))
            sub_major_ids.setdefault(sub_major, len(sub_major_ids))
            names = _names_of(occ, extra.get(occ.code, ()))
            term_starts.append(len(terms))
            for term in names:
                term_docs.setdefault(term, []).append(i)
                terms.append((term, i))
            name_tokens = lexicon.tokens(" ".join([occ.clean_name, *names]), for_search=True)
            names_tokens.append(name_tokens)
            body = " ".join([occ.definition, *occ.tasks])
            full_tokens.append(name_tokens + lexicon.tokens(body, for_search=True))
            ngram_texts.append(" ".join(names))
            dense_texts.append(f"{occ.clean_name}（{'、'.join(names[1:8])}）：{occ.definition}")
        docs = _Documents(
            codes=[o.code for o in occs],
            names=[o.clean_name for o in occs],
            minor=_members([minor_ids[o.parent_codes[2]] for o in occs]),
            sub_major=_members([sub_major_ids[o.parent_codes[1]] for o in occs]),
            term_docs=term_docs,
            terms=terms,
            term_starts=np.array(term_starts),
            dense_texts=dense_texts,
        )
        docs.bm25_names.fit(names_tokens)
        docs.bm25_full.fit(full_tokens)
        docs.ngrams.fit(ngram_texts)
        return docs

    def prepare(self) -> None:
        """Build the catalogue and its embeddings now (read from the cache, or embedded once) rather than at the
        first call."""
        self._documents()
        if self.dense:
            self._embeddings()

    def _embeddings(self) -> tuple[np.ndarray, np.ndarray]:
        """Embeddings of each 细类 entry and of each of its names and aliases, cached on disk.

        The cache file is keyed by the model id and a hash of the texts, so a new model or
        new reference data never reads stale vectors.
        """
        if self._doc_embeddings is not None:
            return self._doc_embeddings
        assert self.encode_documents is not None
        docs = self._documents()
        texts = docs.dense_texts + [term for term, _ in docs.terms]
        path = self._cache_path(texts)
        emb: np.ndarray | None = None
        if path is not None and path.exists():
            emb = np.load(path)
            if emb.shape[0] != len(texts):
                emb = None
        if emb is None:
            emb = np.asarray(self.encode_documents(texts), dtype=np.float32)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npy.tmp")
                with os.fdopen(fd, "wb") as f:
                    np.save(f, emb)
                os.replace(tmp, path)
        n = len(docs.dense_texts)
        self._doc_embeddings = (emb[:n], emb[n:])
        return self._doc_embeddings

    def _cache_path(self, texts: list[str]) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]
        model = re.sub(r"[^A-Za-z0-9._-]+", "_", self.model_id or "model")
        return self.cache_dir / f"occupations-{model}-{digest}.npy"

    def warm_up(self) -> None:
        """Build the index (and the dense document embeddings) now rather than on first use."""
        self._documents()
        if self.dense:
            self._embeddings()

    # --- scoring ----------------------------------------------------------------

    def _expand(self, tokens: list[str]) -> list[str]:
        extra = [syn for t in tokens for key, syns in TITLE_SYNONYMS.items() if key in t for syn in syns]
        return tokens + self.lexicon.tokens(" ".join(extra), for_search=True) if extra else tokens

    def _term_scores(self, docs: _Documents, query: str) -> np.ndarray:
        """1 for a name or alias equal to the title, less for one inside it or around it."""
        scores = np.zeros(len(docs.codes), dtype=np.float32)
        q = query.lower()
        segments = [s for s in re.split(r"[\s/、,，]+", q) if s]
        n = len(q.replace(" ", ""))
        if not n:
            return scores
        for segment in dict.fromkeys([q, *segments]):
            for i in range(len(segment)):
                for j in range(i + 2, len(segment) + 1):
                    hits = docs.term_docs.get(segment[i:j])
                    if not hits:
                        continue
                    length = j - i
                    if segment == q and length == len(q):
                        value = 1.0
                    elif length == len(segment):
                        value = 0.9
                    else:
                        # Chinese titles end with their head noun: 汽车销售 is selling.
                        head = 0.15 if j == len(segment) else 0.0
                        value = 0.75 * length / len(segment) + head
                    for d in hits:
                        if value > scores[d]:
                            scores[d] = value
        if len(q) >= 2:
            for term, d in docs.terms:
                if len(term) > len(q) and q in term:
                    value = 0.6 * len(q) / len(term)
                    if value > scores[d]:
                        scores[d] = value
        return scores

    def score_matrix(self, titles: Sequence[str], texts: Sequence[str] | None = None) -> np.ndarray:
        """Fused scores of every 细类 for each title, shape ``(n_titles, n_细类)``.

        The title decides: its main part (outside brackets) is scored on every signal. What a bracket says
        ("银行驻场", "Java方向") and the posting's text only support: they re-rank the ``pool`` 细类 the title
        scores best, and cannot bring in one the title does not support.
        """
        docs = self._documents()
        w = self.weights
        parts = [split_title(t) for t in titles]
        queries = [main for main, _ in parts]
        domains = [_without_heads(q) for q in queries]
        supports = [" ".join(x for x in (aside, _about_the_work(texts[i] if texts is not None else "")) if x)
                    for i, (_, aside) in enumerate(parts)]
        q_tokens = [self._expand(self.lexicon.tokens(q, for_search=True)) for q in domains]

        fused = w.term * np.stack([self._term_scores(docs, q) for q in queries])
        fused += w.bm25_names * _zscore(docs.bm25_names.scores_many(q_tokens))
        fused += w.bm25_full * _zscore(docs.bm25_full.scores_many(q_tokens))
        fused += w.ngram * _zscore(docs.ngrams.scores_many(domains))
        if self.dense:
            assert self.encode_queries is not None
            entries, names = self._embeddings()
            q_emb = np.asarray(self.encode_queries(list(queries)), dtype=np.float32)
            fused += w.dense * _zscore(q_emb @ entries.T)
            # A title is most like one name of its occupation: the best name counts.
            best_name = np.maximum.reduceat(q_emb @ names.T, docs.term_starts, axis=1)
            fused += w.dense_names * _zscore(best_name)
        fused += self._votes(docs, fused)
        if any(supports):
            fused += self._support(docs, fused, supports)
        return fused

    def _support(self, docs: _Documents, fused: np.ndarray, supports: Sequence[str]) -> np.ndarray:
        """What the brackets and the text add: z-scored BM25 over the whole entries, on the title's pool only."""
        w = self.weights
        rows = [i for i, text in enumerate(supports) if text]
        tokens = [self.lexicon.tokens(supports[i], for_search=True) for i in rows]
        z = _zscore(docs.bm25_full.scores_many(tokens))
        pool = min(w.pool, fused.shape[1])
        out = np.zeros_like(fused)
        for r, i in enumerate(rows):
            top = np.argpartition(-fused[i], pool - 1)[:pool]
            out[i, top] = w.text * np.maximum(z[r, top], 0.0)
        return out

    def _votes(self, docs: _Documents, fused: np.ndarray) -> np.ndarray:
        """Each 细类 gains from how well its 小类 and 中类 do (mean of their best members)."""
        w = self.weights
        out = np.zeros_like(fused)
        for weight, groups in ((w.vote_minor, docs.minor), (w.vote_sub_major, docs.sub_major)):
            if weight == 0:
                continue
            for members in groups:
                scores = fused[:, members]
                k = min(w.vote_top, len(members))
                best = -np.partition(-scores, k - 1, axis=1)[:, :k]
                out[:, members] += weight * best.mean(axis=1, keepdims=True)
        return out

    def code_many(
        self, titles: Sequence[str], texts: Sequence[str] | None = None, k: int = 5
    ) -> list[list[OccupationHit]]:
        """The ``k`` best 细类 for each title (optionally with its posting text), best first."""
        if not titles:
            return []
        docs = self._documents()
        scores = self.score_matrix(titles, texts)
        k = min(k, scores.shape[1])
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        out = []
        for row, idx in zip(scores, top):
            idx = idx[np.argsort(-row[idx], kind="stable")]
            out.append([OccupationHit(docs.codes[i], docs.names[i], float(row[i])) for i in idx])
        return out

    def code(self, title: str, text: str = "", k: int = 5) -> list[OccupationHit]:
        """The ``k`` best 细类 for one posting title, best first."""
        return self.code_many([title], [text] if text else None, k=k)[0]


_shared: OccupationCoder | None = None
_shared_lock = threading.Lock()


def shared_coder() -> OccupationCoder:
    """The process's lexical coder (aliases included), built on first use: about 1.5 s, then milliseconds a
    word. Used where a request must code a few words itself, such as a seeker's desired occupations."""
    global _shared
    if _shared is None:
        with _shared_lock:
            if _shared is None:
                coder = OccupationCoder()
                coder.warm_up()
                _shared = coder
    return _shared


DESIRED_MIN_SHARE = 0.4  # a word the coder is less sure of ("随便", "工资高的") names no occupation


def desired_occupation_codes(names: Sequence[str], coder: OccupationCoder | None = None) -> list[str]:
    """The 细类 a seeker's free words name (求职意向: "保洁", "开叉车"), one per word, in order, without repeats.

    A word is coded only when the coder has evidence for it and its best 细类 takes at least
    ``DESIRED_MIN_SHARE`` of the softmax over its five best scores: "随便" or "不限" give no code rather than a
    made-up one that the occupation score would then trust.
    """
    names = [n for n in (normalize(n, max_chars=100) for n in names) if n]
    if not names:
        return []
    codes: dict[str, None] = {}
    for hits in (coder or shared_coder()).code_many(names, k=5):
        if not hits or hits[0].score <= 0:
            continue
        scores = np.array([h.score for h in hits], dtype=np.float64)
        share = np.exp(scores - scores.max())
        if share[0] / share.sum() >= DESIRED_MIN_SHARE:
            codes[hits[0].code] = None
    return list(codes)


# --- evaluation ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LabelledTitle:
    job_name: str
    expected_code: str
    expected_name: str


def load_eval_csv(path: Path | str) -> list[LabelledTitle]:
    """Rows of ``job_name,expected_code,expected_name``; rows without a code are dropped."""
    with open(path, encoding="utf-8") as f:
        return [
            LabelledTitle(row["job_name"].strip(), row["expected_code"].strip(), row["expected_name"].strip())
            for row in csv.DictReader(f)
            if row.get("expected_code", "").strip()
        ]


def split_halves(rows: Sequence[LabelledTitle], seed: int = 16) -> tuple[list[LabelledTitle], list[LabelledTitle]]:
    """The rows in two halves by a fixed seeded shuffle: tune on the first, check on the second."""
    order = np.random.default_rng(seed).permutation(len(rows))
    half = len(rows) // 2
    return [rows[i] for i in sorted(order[:half])], [rows[i] for i in sorted(order[half:])]


def code_level(code: str) -> int:
    """1 大类 … 4 细类: the number of leading parts of ``code`` that are not ``00``."""
    parts = code.split("-")
    level = 1
    for i, part in enumerate(parts[1:], start=2):
        if part.strip("0") == "":
            break
        level = i
    return level


def _prefix(code: str, level: int) -> str:
    return "-".join(code.split("-")[:level])


def evaluate(
    coder: OccupationCoder,
    rows: Iterable[LabelledTitle | tuple[str, str] | tuple[str, str, str]],
    *,
    batch: int = 256,
) -> dict:
    """Top-1 and top-5 accuracy at 细类, 小类 and 中类 level.

    A prediction is right at a level when it agrees with the expected code on every
    part that level and the expected code both define: an expected ``2-02-00-00``
    is matched at every level by any 细类 under 2-02.
    """
    rows = [r if isinstance(r, LabelledTitle) else LabelledTitle(r[0], r[1], r[2] if len(r) > 2 else "") for r in rows]
    hits = {name: {"top1": 0, "top5": 0} for name, _ in LEVELS}
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        predictions = coder.code_many([r.job_name for r in chunk], k=5)
        for row, preds in zip(chunk, predictions):
            expected_level = code_level(row.expected_code)
            for name, level in LEVELS:
                depth = min(level, expected_level)
                want = _prefix(row.expected_code, depth)
                got = [_prefix(p.code, depth) for p in preds]
                hits[name]["top1"] += bool(got) and got[0] == want
                hits[name]["top5"] += want in got[:5]
    n = len(rows)
    result: dict = {"n": n}
    for name, _ in LEVELS:
        result[name] = {key: (value / n if n else 0.0) for key, value in hits[name].items()}
    return result


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m matching.occupations TITLES.csv [--models-dir var/models]``: print the accuracy."""
    import argparse
    import json
    import time

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("csv", type=Path, help="job_name,expected_code,expected_name")
    parser.add_argument("--models-dir", type=Path, help="add the dense part with the default embedder")
    parser.add_argument("--cache-dir", type=Path, default=Path("var/cache"))
    args = parser.parse_args(argv)
    if args.models_dir is not None:
        from matching.embedder import load_embedder

        embedder = load_embedder("default", models_dir=args.models_dir)
        coder = OccupationCoder.with_embedder(embedder, cache_dir=args.cache_dir)
    else:
        coder = OccupationCoder()
    coder.warm_up()
    rows = load_eval_csv(args.csv)
    started = time.perf_counter()
    result = evaluate(coder, rows)
    result["ms_per_title"] = 1000 * (time.perf_counter() - started) / max(len(rows), 1)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

"""Lexical matching: the project's jieba tokenizer, skill extraction, BM25, character n-grams.

The tokenizer is one ``jieba.Tokenizer`` owned by a :class:`Lexicon`, never jieba's
global one, with a user dictionary of occupation names and aliases (职业分类大典 2022),
skill phrases (拉勾 lexicon) and common blue-collar and service skills. It is built
lazily, once, under a lock.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

import jieba
import numpy as np
from scipy import sparse

from matching import refdata
from matching.text import normalize

# Skills of blue-collar and service work that the 拉勾 lexicon (mostly office work) lacks.
COMMON_SKILLS: tuple[str, ...] = (
    "叉车", "叉车证", "电焊", "氩弧焊", "二保焊", "气保焊", "焊工证", "电工证", "低压电工证", "高压电工证",
    "特种作业操作证", "保洁", "收银", "育婴", "护工", "陪护", "月嫂", "催乳", "保姆", "家政", "养老护理",
    "直播带货", "带货", "短视频剪辑", "剪辑", "驾照C1", "驾照B2", "驾照A2", "C1驾照", "B2驾照", "A2驾照",
    "网约车", "货车驾驶", "配送", "分拣", "打包", "装卸", "搬运", "理货", "盘点", "仓库管理", "库存管理",
    "普工", "流水线", "操作工", "数控", "CNC", "车床", "铣床", "磨床", "冲压", "注塑", "模具", "钳工", "车工",
    "木工", "瓦工", "油漆", "刷漆", "贴砖", "水电安装", "水电维修", "管道安装", "空调安装", "电梯维修",
    "汽车维修", "汽修", "钣金", "喷漆", "洗车", "汽车美容", "厨师证", "健康证", "炒菜", "面点", "烧烤", "配菜",
    "切配", "洗碗", "传菜", "点餐", "咖啡", "调饮", "奶茶", "烘焙", "裱花", "西点", "美甲", "美睫", "美发",
    "理发", "化妆", "按摩", "推拿", "足疗", "针灸", "保安", "保安证", "消防设施操作员证", "监控", "巡逻",
    "缝纫", "平车", "锁边", "裁剪", "熨烫", "质检", "品检", "验货", "包装", "贴标", "电子组装", "焊锡", "插件",
    "SMT", "打磨", "抛光", "喷涂", "电镀", "切割", "折弯", "起重", "吊车", "挖掘机", "装载机", "塔吊",
    "收纳", "绿化", "园艺", "插花", "养殖", "种植", "农机", "外卖", "骑手", "快递", "导购", "销售", "电话销售",
    "地推", "客服", "电话客服", "在线客服", "话务", "打字", "文员", "办公软件", "Excel", "Word", "PPT", "PS",
    "CAD", "普通话", "粤语", "英语", "日语", "韩语", "教师资格证", "会计证", "初级会计", "驾驶",
)

# Words that mean the same skill or job to a seeker and an employer. Small and hand-made:
# each group is one meaning, the first word its canonical name.
SKILL_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("保洁", "清洁工", "家政保洁", "保洁员", "清洁员", "清洁", "保洁阿姨"),
    ("护工", "养老护理员", "护理员", "陪护", "养老护理", "护理工"),
    ("直播带货", "电商主播", "带货主播", "直播销售", "带货"),
    ("厨师", "炒菜师傅", "厨子", "大厨", "炒菜", "炒锅", "中餐厨师", "中式烹调师"),
    ("普工", "操作工", "流水线工人", "流水线", "作业员", "生产工人", "车间工人"),
    ("司机", "驾驶员", "驾驶"),
    ("电焊", "电焊工", "焊工", "焊接", "氩弧焊", "二保焊"),
    ("叉车", "叉车司机", "叉车工", "叉车证", "铲车"),
    ("收银", "收银员"),
    ("育婴", "育婴师", "育婴员", "保育员", "保育师"),
    ("月嫂", "母婴护理", "母婴护理师"),
    ("保姆", "家政服务员", "家政", "钟点工"),
    ("保安", "安保", "门卫", "保安员"),
    ("骑手", "外卖骑手", "送餐员", "外卖员"),
    ("快递员", "快递", "快递小哥", "派件员", "收派员"),
    ("服务员", "餐厅服务员", "传菜员", "传菜"),
    ("营业员", "店员", "导购", "导购员", "售货员"),
    ("客服", "客户服务", "在线客服", "电话客服", "客服专员"),
    ("电工", "电工证", "水电工", "维修电工"),
    ("驾照C1", "C1驾照", "C1驾驶证", "C1"),
    ("驾照B2", "B2驾照", "B2驾驶证", "B2"),
    ("驾照A2", "A2驾照", "A2驾驶证", "A2"),
    ("办公软件", "Office", "Excel", "Word", "WPS"),
    ("汽车维修", "汽修", "修车"),
    ("装卸", "搬运", "装卸工", "搬运工"),
    ("分拣", "分拣员", "分拣工"),
    ("缝纫", "缝纫工", "车位", "平车"),
)

STOPWORDS: frozenset[str] = frozenset(
    """的 了 和 与 及 或 等 在 是 有 为 对 从 以 将 把 被 让 给 于 并 且 而 也 都 就 还 又 很 更 最
    一 一个 一些 一名 多名 若干 这 那 其 之 所 能 会 可 可以 需要 要求 具有 具备 负责 相关 进行 以上 以下
    招聘 急聘 诚聘 直招 熟练 使用 良好 能够 我们 你 您 我 他 她 它 们 公司 岗位 职位 工作 人员 优先 者 上 下 中 内 外 后 前 时 月 年 日 天
    any the a an and or of to in for with on at by is are be as""".split()
)

# 拉勾 phrases that name duties or circumstances rather than skills (维护工作, 开发经验者).
_NOT_A_SKILL = ("工作", "经验", "经验者", "需求", "目标", "任务", "计划", "进度", "团队", "部门", "行业", "过程", "问题")

_PUNCT_OR_SPACE = re.compile(r"^[\W_]+$")
_ALIAS_SPLIT = re.compile(r"[/、,，()（）\s]+")
_DICT_WORD = re.compile(r"^[\u4e00-\u9fa5A-Za-z0-9+#.&\-]{2,15}$")
_CJK = re.compile(r"[\u4e00-\u9fff]")

_jieba_logger = logging.getLogger("jieba")


def _clean_term(term: str) -> str:
    return re.sub(r"[SL]+$", "", term.strip()) if _CJK.search(term) else term.strip()


def occupation_terms() -> list[str]:
    """Occupation names (all levels) and 细类 aliases, split into dictionary-sized words."""
    terms: dict[str, None] = {}
    for occ in refdata.occupations().values():
        for raw in (occ.name, *occ.aliases):
            for part in [raw, *_ALIAS_SPLIT.split(raw)]:
                part = _clean_term(part)
                if _DICT_WORD.match(part) and _CJK.search(part):
                    terms[part] = None
    return list(terms)


class Lexicon:
    """The project's tokenizer and skill vocabulary, built on first use, once."""

    def __init__(self, extra_skills: Iterable[str] = (), skill_min_freq: int = 20) -> None:
        self._extra_skills = tuple(extra_skills)
        self._skill_min_freq = skill_min_freq
        self._lock = threading.Lock()
        self._tokenizer: jieba.Tokenizer | None = None
        self._skills: dict[str, str] = {}
        self._synonyms: dict[str, str] = {}
        self._base_freq: dict[str, int] = {}
        self._log_total = 0.0

    # --- construction -------------------------------------------------------------

    @property
    def tokenizer(self) -> jieba.Tokenizer:
        self._ensure_built()
        assert self._tokenizer is not None
        return self._tokenizer

    def _ensure_built(self) -> None:
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    self._build()

    def _build(self) -> None:
        level = _jieba_logger.level
        _jieba_logger.setLevel(logging.WARNING)
        try:
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
        finally:
            _jieba_logger.setLevel(level)

        lagou = {
            p: f
            for p, f in refdata.skill_phrases().items()
            if f >= self._skill_min_freq and not p.endswith(_NOT_A_SKILL)
        }
        hand = [*COMMON_SKILLS, *(w for group in SKILL_SYNONYMS for w in group), *self._extra_skills]
        words: dict[str, int] = {}
        for term in occupation_terms():
            words[term] = max(words.get(term, 0), 3000)
        for phrase, freq in lagou.items():
            words[phrase] = max(words.get(phrase, 0), min(freq, 3000))
        for term in hand:
            words[term] = max(words.get(term, 0), 3000)

        base_freq: dict[str, int] = {}
        for word, freq in words.items():
            base_freq[word] = tokenizer.FREQ.get(word, 0)
            tokenizer.add_word(word, freq=max(freq, base_freq[word]))

        skills = {w.lower(): w for w in (*lagou, *hand) if w}
        synonyms: dict[str, str] = {}
        for group in SKILL_SYNONYMS:
            for word in group:
                synonyms[word.lower()] = group[0]

        self._skills = skills
        self._synonyms = synonyms
        self._base_freq = base_freq
        self._log_total = math.log(tokenizer.total)
        self._tokenizer = tokenizer

    # --- tokens -------------------------------------------------------------------

    def cut(self, text: str, *, for_search: bool = False) -> list[str]:
        """All jieba tokens of normalised text, punctuation included."""
        text = normalize(text)
        if not text:
            return []
        tokenizer = self.tokenizer
        pieces = tokenizer.cut_for_search(text, HMM=True) if for_search else tokenizer.cut(text, HMM=True)
        return [p.strip() for p in pieces if p.strip()]

    def tokens(self, text: str, *, for_search: bool = False) -> list[str]:
        """Content tokens: no stopwords or punctuation, ASCII lowercased.

        ``for_search`` adds the dictionary's 2- and 3-character words inside long tokens
        (起重装卸机械操作工 → 起重, 装卸, 机械, 操作工 …), as wanted for retrieval.
        """
        out = []
        for token in self.cut(text, for_search=for_search):
            token = token.lower()
            if token in STOPWORDS or _PUNCT_OR_SPACE.match(token):
                continue
            out.append(token)
        return out

    def idf(self, token: str) -> float:
        """Rarity of a word in general Chinese (jieba's dictionary frequencies); our added words count as rare."""
        tokenizer = self.tokenizer
        freq = self._base_freq.get(token)
        if freq is None:
            freq = tokenizer.FREQ.get(token, 0)
        return self._log_total - math.log(max(freq, 5))

    def keywords(self, text: str, k: int = 10) -> list[str]:
        """The ``k`` most telling words of a text: frequency times rarity, longer words first on ties."""
        counts = Counter(t for t in self.tokens(text) if len(t) >= 2)
        if not counts:
            return []
        scored = sorted(counts, key=lambda t: (-counts[t] * self.idf(t), -len(t), t))
        return scored[:k]

    # --- skills -------------------------------------------------------------------

    def extract_skills(self, text: str) -> list[str]:
        """Dictionary skill terms in free text, in order of first mention, each once.

        Long tokens are also searched for the dictionary words inside them
        (氩弧焊工 → 氩弧焊), but never across token boundaries (维护工作 has no 护工).
        """
        self._ensure_built()
        found: dict[str, None] = {}
        for token in self.cut(text):
            key = token.lower()
            if key in self._skills:
                found[self._skills[key]] = None
                continue
            if len(token) > 2:
                for sub in self._skills_inside(token):
                    found[sub] = None
        return list(found)

    def _skills_inside(self, token: str) -> list[str]:
        """Dictionary skills inside a token, longest first, not overlapping, in text order."""
        taken = [False] * len(token)
        hits: list[tuple[int, str]] = []
        for n in range(len(token) - 1, 1, -1):
            for i in range(len(token) - n + 1):
                key = token[i : i + n].lower()
                if key in self._skills and not any(taken[i : i + n]):
                    taken[i : i + n] = [True] * n
                    hits.append((i, self._skills[key]))
        return [skill for _, skill in sorted(hits)]

    def canonical_skill(self, skill: str) -> str:
        """The group name of a skill in :data:`SKILL_SYNONYMS` (清洁工 → 保洁), else the skill itself."""
        self._ensure_built()
        key = normalize(skill, max_chars=60).lower()
        return self._synonyms.get(key, key)

    def skill_overlap(
        self, seeker_skills: Iterable[str], job_skills: Iterable[str]
    ) -> tuple[float, list[str], list[str]]:
        """How many of a job's skills a seeker has: (share matched, matched, missing).

        Skills match when they are the same after normalisation, synonyms of one
        another, or one contains the other (电焊 / 电焊工证). A job listing no skills
        scores 0.0: there is no evidence either way.
        """
        seeker = {self.canonical_skill(s) for s in seeker_skills if s and s.strip()}
        seeker.discard("")
        matched: list[str] = []
        missing: list[str] = []
        for skill in dict.fromkeys(s for s in job_skills if s and s.strip()):
            canon = self.canonical_skill(skill)
            if canon in seeker or any(_contains(canon, s) for s in seeker):
                matched.append(skill)
            else:
                missing.append(skill)
        total = len(matched) + len(missing)
        return (len(matched) / total if total else 0.0), matched, missing


def _contains(a: str, b: str) -> bool:
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 2 and short in long_


_default_lock = threading.Lock()
_default: Lexicon | None = None


def default_lexicon() -> Lexicon:
    """The process-wide :class:`Lexicon` (its tokenizer is still built only on first use)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Lexicon()
    return _default


# --- BM25 ------------------------------------------------------------------------


class BM25:
    """Okapi BM25 over pre-tokenised documents, as a sparse document × term matrix.

    ``fit`` precomputes every document's term weights, so scoring a query is one
    sparse product and scoring many queries is one sparse matrix product.
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self.vocabulary: dict[str, int] = {}
        self.idf: np.ndarray = np.zeros(0, dtype=np.float32)
        self.matrix: sparse.csr_matrix = sparse.csr_matrix((0, 0), dtype=np.float32)

    def fit(self, docs_tokens: Sequence[Sequence[str]]) -> BM25:
        vocabulary: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        lengths = np.zeros(len(docs_tokens), dtype=np.float64)
        for i, tokens in enumerate(docs_tokens):
            lengths[i] = len(tokens)
            for term, tf in Counter(tokens).items():
                rows.append(i)
                cols.append(vocabulary.setdefault(term, len(vocabulary)))
                tfs.append(tf)
        n_docs = len(docs_tokens)
        tf = np.asarray(tfs, dtype=np.float64)
        rows_a = np.asarray(rows, dtype=np.int64)
        cols_a = np.asarray(cols, dtype=np.int64)
        df = np.bincount(cols_a, minlength=len(vocabulary)).astype(np.float64)
        idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
        avgdl = lengths.mean() if n_docs and lengths.mean() > 0 else 1.0
        norm = self.k1 * (1.0 - self.b + self.b * lengths[rows_a] / avgdl)
        weights = idf[cols_a] * tf * (self.k1 + 1.0) / (tf + norm)
        self.vocabulary = vocabulary
        self.idf = idf.astype(np.float32)
        self.matrix = sparse.csr_matrix(
            (weights.astype(np.float32), (rows_a, cols_a)), shape=(n_docs, len(vocabulary))
        )
        return self

    @property
    def n_docs(self) -> int:
        return self.matrix.shape[0]

    def query_matrix(self, queries_tokens: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        """Term counts of queries over the fitted vocabulary (unknown terms dropped)."""
        rows, cols, vals = [], [], []
        for i, tokens in enumerate(queries_tokens):
            for term, count in Counter(t for t in tokens if t in self.vocabulary).items():
                rows.append(i)
                cols.append(self.vocabulary[term])
                vals.append(count)
        return sparse.csr_matrix(
            (np.asarray(vals, dtype=np.float32), (rows, cols)),
            shape=(len(queries_tokens), len(self.vocabulary)),
        )

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for one query, shape ``(n_docs,)``."""
        return self.scores_many([query_tokens])[0]

    def scores_many(self, queries_tokens: Sequence[Sequence[str]]) -> np.ndarray:
        """Scores of many queries at once, shape ``(n_queries, n_docs)``."""
        q = self.query_matrix(queries_tokens)
        return np.asarray((q @ self.matrix.T).toarray(), dtype=np.float32)


# --- character n-grams -----------------------------------------------------------

_NGRAM_SPLIT = re.compile(r"[\s\W_]+")


def char_ngrams(text: str, sizes: tuple[int, ...] = (2, 3)) -> list[str]:
    """Character n-grams of each run of letters and digits (no n-gram spans punctuation)."""
    grams: list[str] = []
    for run in _NGRAM_SPLIT.split(normalize(text).lower()):
        for n in sizes:
            grams.extend(run[i : i + n] for i in range(len(run) - n + 1))
        if 0 < len(run) < min(sizes):
            grams.append(run)
    return grams


def ngram_overlap(a: str, b: str, sizes: tuple[int, ...] = (2, 3)) -> float:
    """Dice coefficient of the character n-gram multisets of two short texts, in [0, 1]."""
    ga, gb = Counter(char_ngrams(a, sizes)), Counter(char_ngrams(b, sizes))
    total = sum(ga.values()) + sum(gb.values())
    return 2.0 * sum((ga & gb).values()) / total if total else 0.0


class CharNgramScorer:
    """TF-IDF cosine over character 2- and 3-grams: robust to colloquial and unsegmented text."""

    def __init__(self, sizes: tuple[int, ...] = (2, 3)) -> None:
        self.sizes = sizes
        self.vocabulary: dict[str, int] = {}
        self.idf: np.ndarray = np.zeros(0, dtype=np.float32)
        self.matrix: sparse.csr_matrix = sparse.csr_matrix((0, 0), dtype=np.float32)

    def _counts(self, texts: Sequence[str], grow: bool) -> sparse.csr_matrix:
        rows, cols, vals = [], [], []
        for i, text in enumerate(texts):
            for gram, count in Counter(char_ngrams(text, self.sizes)).items():
                j = self.vocabulary.setdefault(gram, len(self.vocabulary)) if grow else self.vocabulary.get(gram)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
                    vals.append(count)
        return sparse.csr_matrix(
            (np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(len(texts), len(self.vocabulary))
        )

    def _weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        damped = counts.copy()
        damped.data = np.sqrt(damped.data)  # repeated grams in long texts count less
        weighted = sparse.csr_matrix(damped.multiply(self.idf[np.newaxis, :]))
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ weighted)

    def fit(self, texts: Sequence[str]) -> CharNgramScorer:
        self.vocabulary = {}
        counts = self._counts(texts, grow=True)
        df = np.bincount(counts.indices, minlength=len(self.vocabulary)).astype(np.float64)
        self.idf = np.log((1.0 + len(texts)) / (1.0 + df)).astype(np.float32) + 1.0
        self.matrix = self._weigh(counts)
        return self

    def scores(self, text: str) -> np.ndarray:
        """Cosine similarity of one text to every fitted text, shape ``(n_docs,)``."""
        return self.scores_many([text])[0]

    def scores_many(self, texts: Sequence[str]) -> np.ndarray:
        q = self._weigh(self._counts(texts, grow=False))
        return np.asarray((q @ self.matrix.T).toarray(), dtype=np.float32)


# ------------------------------------------------------------------------------ a candidate pool, fast

_WORD_LUT_SIZE = 0x30000  # the BMP and the CJK extension planes; rarer code points are classified one by one


@lru_cache(maxsize=1)
def _word_lut() -> np.ndarray:
    """``lut[cp]``: the code point is part of a run (``str.isalnum``, i.e. ``\\w`` without ``_``)."""
    return np.fromiter((chr(c).isalnum() for c in range(_WORD_LUT_SIZE)), dtype=bool, count=_WORD_LUT_SIZE)


def _ngram_codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(gram code, text index) of every character 2- and 3-gram of each text's runs (and runs of one character).

    Code points are packed 21 bits each: a 3-gram's code is ≥ 2⁴², a 2-gram's in [2²¹, 2⁴²), a single's below,
    so the three never collide. The grams are those of :func:`char_ngrams` on text already normalised.
    """
    arrays = [np.frombuffer(t.lower().encode("utf-32-le"), dtype=np.uint32) for t in texts]
    lengths = np.fromiter((len(a) + 1 for a in arrays), dtype=np.int64, count=len(arrays))
    cp = np.zeros(int(lengths.sum()) + 2, dtype=np.uint64)  # a 0 after every text, and two at the end
    owner = np.repeat(np.arange(len(arrays)), lengths)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    for a, s in zip(arrays, starts.tolist(), strict=True):
        cp[s : s + len(a)] = a
    lut = _word_lut()
    inside = cp < _WORD_LUT_SIZE
    word = np.where(inside, lut[np.where(inside, cp, 0).astype(np.int64)], False)
    for i in np.flatnonzero(~inside):
        word[i] = chr(int(cp[i])).isalnum()
    word[cp == 0] = False
    w0, w1, w2 = word[:-2], word[1:-1], word[2:]
    c0, c1, c2 = cp[:-2], cp[1:-1], cp[2:]
    before = np.concatenate(([False], word[:-3]))
    two = np.flatnonzero(w0 & w1)
    three = np.flatnonzero(w0 & w1 & w2)
    one = np.flatnonzero(w0 & ~w1 & ~before)
    codes = np.concatenate([(c0[two] << np.uint64(21)) | c1[two],
                            (c0[three] << np.uint64(42)) | (c1[three] << np.uint64(21)) | c2[three], c0[one]])
    return codes, owner[np.concatenate([two, three, one])]


def ngram_pool_scores(query: str, docs: Sequence[str], *, query_normalised: bool = False) -> np.ndarray:
    """``CharNgramScorer().fit(docs).scores(query)`` for texts already normalised, vectorised over the pool.

    TF-IDF cosine of character 2- and 3-grams with the idf taken over ``docs`` (the candidate pool of one
    query): what the rerank's lexical component needs, in well under a millisecond for 50 postings.
    ``query_normalised``: the query is already normalised (stored profile texts are), so skip doing it again.
    """
    n = len(docs)
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    codes, owner = _ngram_codes(list(docs) + [query if query_normalised else normalize(query)])
    is_query = owner == n
    doc_codes, doc_owner = codes[~is_query], owner[~is_query]
    vocab, col = np.unique(doc_codes, return_inverse=True)
    if not len(vocab):
        return np.zeros(n, dtype=np.float32)
    pair = doc_owner * len(vocab) + col  # (doc, gram) → one integer
    pairs, counts = np.unique(pair, return_counts=True)
    pair_doc, pair_col = pairs // len(vocab), pairs % len(vocab)
    df = np.bincount(pair_col, minlength=len(vocab)).astype(np.float64)
    idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32).astype(np.float64)
    weight = np.sqrt(counts) * idf[pair_col]
    norms = np.sqrt(np.bincount(pair_doc, weights=weight**2, minlength=n))
    norms[norms == 0] = 1.0
    q_codes = codes[is_query]
    at = np.minimum(np.searchsorted(vocab, q_codes), len(vocab) - 1)
    q_cols, q_counts = np.unique(at[vocab[at] == q_codes], return_counts=True)
    q_weight = np.zeros(len(vocab))
    q_weight[q_cols] = np.sqrt(q_counts) * idf[q_cols]
    q_norm = np.sqrt((q_weight**2).sum())
    if q_norm == 0:
        return np.zeros(n, dtype=np.float32)
    dots = np.bincount(pair_doc, weights=weight * q_weight[pair_col], minlength=n)
    return (dots / norms / q_norm).astype(np.float32)


Grams = tuple[np.ndarray, np.ndarray]  # a text's distinct n-gram codes (sorted, uint64) and how often each occurs


def text_grams(text: str, *, normalised: bool = True) -> Grams:
    """The distinct character n-gram codes of a text (:func:`_ngram_codes`) and their counts: what
    :func:`gram_pool_scores` reads, worked out once per text and kept (:meth:`matching.records.RecordStore.grams`)."""
    codes, _ = _ngram_codes([text if normalised else normalize(text)])
    return np.unique(codes, return_counts=True)


def texts_grams(texts: Sequence[str]) -> list[Grams]:
    """:func:`text_grams` of several normalised texts at once: two sorts over all their grams instead of one
    per text (what a pool of texts not seen before costs)."""
    n = len(texts)
    if n == 0:
        return []
    codes, owner = _ngram_codes(texts)
    vocab, col = np.unique(codes, return_inverse=True)
    pairs, counts = np.unique(owner * max(len(vocab), 1) + col, return_counts=True)
    pair_owner = pairs // max(len(vocab), 1)
    bounds = np.searchsorted(pair_owner, np.arange(n + 1))
    distinct = vocab[pairs % max(len(vocab), 1)] if len(vocab) else np.zeros(0, dtype=np.uint64)
    return [(distinct[a:b], counts[a:b]) for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)]


def gram_pool_scores(query: Grams, docs: Sequence[Grams]) -> np.ndarray:
    """:func:`ngram_pool_scores` from each text's :func:`text_grams`: the same TF-IDF cosines (idf over the pool),
    without splitting the texts into grams again for every query."""
    n = len(docs)
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    lengths = np.fromiter((len(c) for c, _ in docs), dtype=np.int64, count=n)
    if not lengths.sum():
        return np.zeros(n, dtype=np.float32)
    codes = np.concatenate([c for c, _ in docs])
    counts = np.concatenate([k for _, k in docs])
    owner = np.repeat(np.arange(n), lengths)
    vocab, col = np.unique(codes, return_inverse=True)
    df = np.bincount(col, minlength=len(vocab)).astype(np.float64)
    idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32).astype(np.float64)
    weight = np.sqrt(counts) * idf[col]
    norms = np.sqrt(np.bincount(owner, weights=weight**2, minlength=n))
    norms[norms == 0] = 1.0
    q_codes, q_counts = query
    at = np.minimum(np.searchsorted(vocab, q_codes), len(vocab) - 1)
    hit = vocab[at] == q_codes
    q_weight = np.zeros(len(vocab))
    q_weight[at[hit]] = np.sqrt(q_counts[hit]) * idf[at[hit]]
    q_norm = np.sqrt((q_weight**2).sum())
    if q_norm == 0:
        return np.zeros(n, dtype=np.float32)
    dots = np.bincount(owner, weights=weight * q_weight[col], minlength=n)
    return (dots / norms / q_norm).astype(np.float32)

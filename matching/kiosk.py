"""The recruitment-fair kiosk's scorer (招聘会自助机): taps, filters and optional words against one fair's
postings, small enough to run the same way in the page (``service/static/kiosk/scorer.js``) when the
hall network drops.

Everything the page needs is plain data: each posting carries its words (read by the service's lexicon:
its jieba dictionary, inner words and synonyms, each with the evidence the posting gives it) and, when an
embedding model is loaded, an int8 vector. Cosine on int8 vectors is integer arithmetic up to the final
square root, and what a person says is read the same way on both sides (:func:`hear`: the intent and filler
patterns of :mod:`matching.understand`, then the longest known word at each place), so this module and the
page rank a fair's postings identically, taps and words alike (``tests/test_kiosk_words.py`` holds them to it
over a corpus of spoken requests). Free text is deliberately not embedded: a sentence's cosine to every
posting sits high and flat, and the page could not compute it when the hall network drops.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from matching import refdata
from matching import understand as understanding
from matching.enums import EDUCATION_LABELS, WORK_TYPE_LABELS, Education, WorkType

EDUCATION_RANK = {e.value: n for n, e in enumerate(Education)}

# Weights of the signals; a signal the person did not give (no taps, no words) drops out. Words weigh more
# than a tap: "叉车" said while 物流 is tapped means the forklift post before the warehouse's other jobs.
W_TAP, W_TAP_VECTOR, W_WORDS, W_INTENT = 0.6, 0.4, 1.2, 0.3
COS_FLOOR, COS_SPAN = 0.2, 0.6  # cosines rescaled: ≤0.2 → 0, ≥0.8 → 1
# Evidence a posting gives a word, by where it says it; a synonym or inner word counts its factor less.
TITLE_WORD, ALIAS_WORD, SKILL_WORD, TILE_WORD, BODY_WORD = 1.0, 0.9, 0.8, 0.8, 0.5
MIN_WORD_WEIGHT = 1.0  # words rarer than this (工作, 包住 …) say nothing about which job
# When none of the words is one the fair or the catalogue knows (扫地, 搬货), the share of their characters
# a posting's strong words hold (打扫卫生, 搬运), when at least half, orders the list a little, below any
# word that was heard.
W_CHARS, CHAR_EVIDENCE = 0.2, 0.8
# Work next to a tapped button's in the catalogue (same 中类: 0.5, same 大类: 0.25) comes before other work: the
# nearest alternatives when nothing of the button's own passes the filters.
W_TAP_NEAR = 0.2
LONGEST_WORD = 8
SYNONYM = 0.7  # a related word at least this close names the same work
SHORT_RUN = 3  # unknown words this short (扫地, 带小孩) may be matched by their characters; longer ones are phrases
# The intents a kiosk visitor's words can carry (:data:`matching.understand.INTENTS`); 实习 and 离家近 mean
# nothing at one fair's hall.
KIOSK_INTENTS = (understanding.ROOM_BOARD, understanding.PART_TIME, understanding.DAY_PAID, understanding.NOVICE,
                 understanding.APPRENTICESHIP)


@dataclass(frozen=True, slots=True)
class Tile:
    """One big button on the kiosk: an everyday name over occupation-code prefixes of 职业分类大典 2022."""

    key: str
    label: str
    glyph: str  # one character drawn large on the button (no emoji fonts needed)
    prefixes: tuple[str, ...]

    def names(self) -> list[str]:
        """The taxonomy names under the prefixes: the text a tile is embedded from."""
        occ = refdata.occupations()
        out = []
        for p in self.prefixes:
            parts = (p.split("-") + ["00"] * 4)[:4]
            code = "-".join(parts)
            if code in occ:
                out.append(occ[code].clean_name)
        return out

    def text(self) -> str:
        return self.label + "：" + "、".join(self.names())


TILES: tuple[Tile, ...] = (
    Tile("food", "餐饮 厨房", "餐", ("4-03",)),
    Tile("shop", "销售 收银", "售", ("4-01",)),
    Tile("logistics", "物流 仓库 快递", "运", ("4-02",)),
    Tile("factory", "工厂 普工", "工", ("6-05", "6-14", "6-18", "6-19", "6-20", "6-21", "6-22", "6-24", "6-25",
                                    "6-31")),
    Tile("building", "建筑 装修", "建", ("6-29",)),
    Tile("driving", "开车 机械操作", "驾", ("6-30", "4-02-02")),
    Tile("cleaning", "保洁 家政 绿化", "洁", ("4-10-01", "4-10-08", "4-09-08", "4-09-10")),
    Tile("care", "养老 护理 保健", "护", ("4-14", "4-10-04")),
    Tile("security", "保安 物业", "安", ("4-07-05", "4-06-01")),
    Tile("repair", "维修 电工", "修", ("4-12", "6-31-01", "6-28")),
    Tile("farm", "种植 养殖", "农", ("5-",)),
    Tile("office", "文员 客服", "文", ("3-01", "4-07-02", "4-04")),
)
TILE_BY_KEY = {t.key: t for t in TILES}

TRAVEL_CHOICES = (5, 15, 30)  # km from the venue; None: any distance


def bigrams(text: str) -> list[str]:
    """Sorted distinct character bigrams of the CJK and alphanumeric runs in ``text``."""
    out: set[str] = set()
    for run in re.findall(r"[\u4e00-\u9fffA-Za-z0-9]+", text or ""):
        run = run.lower()
        out.update(run[i:i + 2] for i in range(len(run) - 1))
    return sorted(out)


def quantize(vectors: np.ndarray) -> np.ndarray:
    """int8 per row (row max → ±127); cosine survives, the scale is not kept."""
    v = np.asarray(vectors, np.float32)
    if v.size == 0:
        return np.zeros(v.shape, np.int8)
    peak = np.abs(v).max(axis=1, keepdims=True)
    peak[peak == 0] = 1
    return np.rint(v / peak * 127).astype(np.int8)


def int8_cosine(a: Sequence[int], b: Sequence[int]) -> float:
    """Integer dot products, then one division: the page computes the same number."""
    x, y = np.asarray(a, np.int64), np.asarray(b, np.int64)
    dot, na, nb = int(x @ y), int(x @ x), int(y @ y)
    if na == 0 or nb == 0:
        return 0.0
    return dot / math.sqrt(na * nb)


def rescale(cos: float) -> float:
    return min(1.0, max(0.0, (cos - COS_FLOOR) / COS_SPAN))


@dataclass(frozen=True, slots=True)
class Posting:
    """What the page holds of one posting at the fair (``service.fairs.usecases.kiosk_payload``)."""

    id: int
    title: str
    occupation_code: str | None
    employer: str
    booth: str
    salary_min: int | None
    salary_max: int | None
    work_type: str
    room_board: bool
    education_min: str | None
    km: float | None  # from the venue, rounded to 0.1
    grams: tuple[str, ...]
    skills: tuple[str, ...] = ()
    vector: tuple[int, ...] | None = None
    occupation: str = ""  # the occupation's name, for the reasons
    words: Mapping[str, float] = field(default_factory=dict)  # word → evidence (:func:`posting_words`)
    intents: tuple[str, ...] = ()  # of :data:`KIOSK_INTENTS`, met by the posting


@dataclass(frozen=True, slots=True)
class Query:
    tiles: tuple[str, ...] = ()
    education: str | None = None
    work_type: str | None = None  # full_time | part_time | flexible; None: any
    room_board: bool = False  # needs 包吃住
    travel_km: int | None = None
    text: str = ""


@dataclass
class Scored:
    posting: Posting
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Heard:
    """What the kiosk read from a visitor's words: the fair's words said (in order), the intents, and the
    occupation words said that no posting at this fair carries."""

    words: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    unheard: tuple[str, ...] = ()  # runs of two or more Chinese characters that are none of those words

    def labels(self) -> list[str]:
        said = [*self.words, *self.absent]
        return said + [label for i in self.intents if (label := understanding.INTENT_LABELS[i]) not in said]

    def summary(self) -> str:
        labels = self.labels()
        return "理解为：" + " · ".join(labels) if labels else ""

    def to_plain(self) -> dict:
        return {"summary": self.summary(), "words": list(self.words), "absent": list(self.absent),
                "unheard": list(self.unheard), "intents": list(self.intents),
                "intent_labels": [understanding.INTENT_LABELS[i] for i in self.intents]}


@dataclass(frozen=True)
class Missing:
    """A tapped occupation no posting in the results belongs to; ``at_fair``: some posting of the fair does,
    but the filters turned it away."""

    label: str
    at_fair: bool


@dataclass
class Result:
    items: list[Scored]
    relaxed: list[str]  # filters dropped because nothing at the fair passed them
    heard: Heard = field(default_factory=Heard)
    missing: list[Missing] = field(default_factory=list)
    words_found: bool = True  # some posting in the pool carries a word that was said (or none was said)
    tapped: bool = False  # an occupation button was tapped

    def notice(self) -> str:
        """The honest heading when what was asked for is not among the results (the page says the same)."""
        return notice(self.missing, self.heard, self.words_found, self.tapped)


ALTERNATIVES = "以下是相近的岗位"


def notice(missing: Sequence[Missing], heard: Heard, words_found: bool, tapped: bool = False) -> str:
    if missing:
        m = missing[0]
        return f"本场暂无{'符合条件的' if m.at_fair else ''}{m.label}岗位，{ALTERNATIVES}"
    if heard.words and not words_found:
        said = "、".join(heard.words[:2])
        return f"本场暂无符合条件的「{said}」相关岗位，{ALTERNATIVES}"
    if heard.absent and not heard.words:
        return f"本场暂无「{'、'.join(heard.absent[:2])}」岗位，{ALTERNATIVES}"
    if heard.unheard and not heard.words:
        rest = "以下按您点选的工作排列" if tapped else "以下是本场的其他岗位"
        return f"没有找到与「{'、'.join(heard.unheard[:2])}」相关的岗位，{rest}"
    return ""


# --- words ------------------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """The form both sides read words in: NFKC (full-width → half-width), lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def intent_patterns() -> list[tuple[str, str]]:
    """(intent, pattern) of the words by which a person asks for each kiosk intent: the patterns of
    :func:`matching.understand.understand`, sent to the page as they are (they are valid JavaScript too)."""
    return [(i, understanding._ASKED[i].pattern) for i in KIOSK_INTENTS]  # noqa: SLF001 - one home for the words


def filler_pattern() -> str:
    """What a spoken request wraps its wish in (我想找, 的活, 工作 …): :mod:`matching.understand`'s fillers."""
    return understanding._FILLER.pattern  # noqa: SLF001


_INTENTS_RE = [(i, re.compile(p)) for i, p in intent_patterns()]
_FILLER_RE = re.compile(filler_pattern())
_WORDLIKE = re.compile(r"^[\u4e00-\u9fffa-z0-9+#.]{2,}$")


def hear(text: str, vocabulary: Mapping[str, float], known: Iterable[str] | frozenset[str] = frozenset()) -> Heard:
    """Read a visitor's words: the intents asked for, then (fillers taken out) the longest word of the fair's
    ``vocabulary`` or of ``known`` occupation words at each place, left to right."""
    t = fold(text)
    intents = tuple(i for i, p in _INTENTS_RE if p.search(t))
    words: list[str] = []
    for _i, p in _INTENTS_RE:  # an intent's words are taken out, and heard as words too where a post says them
        for said in p.findall(t):  # (周末兼职 is also the title of a post)
            if said in vocabulary and said not in words:
                words.append(said)
        t = p.sub(" ", t)
    t = _FILLER_RE.sub(" ", t)
    known = known if isinstance(known, (set, frozenset, dict)) else frozenset(known)
    absent: list[str] = []
    unheard: list[str] = []
    run = ""

    def flush() -> None:
        nonlocal run
        if len(run) >= 2 and run not in unheard:
            unheard.append(run)
        run = ""

    i, n = 0, len(t)
    while i < n:
        for size in range(min(LONGEST_WORD, n - i), 1, -1):
            w = t[i:i + size]
            if w in vocabulary or w in known:
                said = words if w in vocabulary else absent
                if w not in said:
                    said.append(w)
                flush()
                i += size
                break
        else:
            if "\u4e00" <= t[i] <= "\u9fff":
                run += t[i]
            else:
                flush()
            i += 1
    flush()
    return Heard(words=tuple(words), intents=intents, absent=tuple(absent), unheard=tuple(unheard))


def _keep_word(word: str) -> bool:
    return len(word) <= LONGEST_WORD and bool(_WORDLIKE.match(word)) and not _FILLER_RE.fullmatch(word)


@lru_cache(maxsize=16384)
def posting_words(title: str, occupation: str, aliases: tuple[str, ...], skills: tuple[str, ...],
                  tile_words: tuple[str, ...], body: str) -> tuple[tuple[str, float], ...]:
    """The words a posting answers to, each with its evidence: the service lexicon's search tokens of its title,
    occupation name and aliases, skills and tile (with their inner words and synonyms at the synonym's factor),
    and of the start of its description (no synonyms: a body's words are looser)."""
    from matching.lexical import default_lexicon

    lexicon = default_lexicon()
    out: dict[str, float] = {}

    def put(word: str, strength: float) -> None:
        word = fold(word)
        if _keep_word(word) and strength > out.get(word, 0.0):
            out[word] = round(strength, 3)

    parts = [(title, TITLE_WORD, True), (occupation, TITLE_WORD, True), *((a, ALIAS_WORD, True) for a in aliases),
             *((k, SKILL_WORD, True) for k in skills), *((w, TILE_WORD, True) for w in tile_words),
             (body, BODY_WORD, False)]
    for text, strength, related in parts:
        if not text:
            continue
        tokens = lexicon.tokens(text, for_search=True)
        whole = fold(text)
        if len(whole) <= LONGEST_WORD and re.fullmatch(r"[\u4e00-\u9fff]+", whole):
            tokens.append(whole)
        for token in tokens:
            put(token, strength)
            for inner in lexicon.inner_words(token):
                put(inner, strength)
            if related:
                for other, factor in lexicon.related(token):
                    put(other, strength * factor)
    return tuple(sorted(out.items()))


@lru_cache(maxsize=65536)
def word_weight(word: str) -> float:
    """How much a word says about which job: the lexicon's term weight (rarity), rounded as the page gets it."""
    from matching.lexical import default_lexicon

    return round(float(default_lexicon().term_weight(word)), 3)


def vocabulary(postings: Sequence[Posting]) -> dict[str, float]:
    """The fair's words the kiosk listens for, each with its weight; rare-enough words only."""
    out: dict[str, float] = {}
    for p in postings:
        for w in p.words:
            if w not in out:
                weight = word_weight(w)
                if weight >= MIN_WORD_WEIGHT:
                    out[w] = weight
    return dict(sorted(out.items()))


@lru_cache(maxsize=1)
def occupation_words() -> frozenset[str]:
    """Every occupation's name and alias (职业分类大典 2022 and the project's aliases) and the lexicon's synonyms of
    them (焊工 → 电焊): words a visitor may say for work no posting at this fair offers, so the page can say so
    instead of ignoring them."""
    from matching.lexical import default_lexicon

    lexicon = default_lexicon()
    out = set()

    def add(word: str) -> None:
        word = fold(word)
        if 2 <= len(word) <= LONGEST_WORD and re.fullmatch(r"[\u4e00-\u9fff]+", word):
            out.add(word)

    for occ in refdata.occupations().values():
        if occ.level != 4:
            continue
        for name in (occ.clean_name, *occ.aliases):
            add(name)
            for other, factor in lexicon.related(fold(name)):
                if factor >= SYNONYM:  # 焊工 → 电焊, not 医院管理人员 → 医院
                    add(other)
    return frozenset(w for w in out if word_weight(w) >= MIN_WORD_WEIGHT)  # not 文化, 工作


def _near(code: str | None, tiles: Sequence[Tile]) -> tuple[float, str]:
    """How near an occupation code is to the tapped buttons' codes: same 中类 (4-09) 0.5, same 大类 (4) 0.25."""
    best, by = 0.0, ""
    for t in tiles:
        for prefix in t.prefixes:
            near = 0.5 if code and len(prefix) >= 4 and code[:4] == prefix[:4] else (
                0.25 if code and code[:1] == prefix[:1] else 0.0)
            if near > best:
                best, by = near, t.label
    return best, by


def tile_of(code: str | None) -> Tile | None:
    return _tile_hit(code, TILES)


def _tile_hit(code: str | None, tiles: Iterable[Tile]) -> Tile | None:
    if not code:
        return None
    for t in tiles:
        if any(code.startswith(p) for p in t.prefixes):
            return t
    return None


def _passes(p: Posting, q: Query, skip: frozenset[str]) -> bool:
    if "education" not in skip and q.education and p.education_min:
        if EDUCATION_RANK.get(p.education_min, 0) > EDUCATION_RANK.get(q.education, 0):
            return False
    if "work_type" not in skip and q.work_type and p.work_type != q.work_type:
        return False
    if "room_board" not in skip and q.room_board and not p.room_board:
        return False
    if "travel" not in skip and q.travel_km is not None and p.km is not None and p.km > q.travel_km:
        return False
    return True


RELAX_ORDER = ("travel", "room_board", "work_type")  # education is never relaxed: it would waste a trip
RELAX_LABELS = {"travel": "距离", "room_board": "包吃住", "work_type": "工作类型"}


def _salary(p: Posting) -> str:
    if p.salary_min and p.salary_max:
        return f"{p.salary_min}–{p.salary_max}元/月"
    if p.salary_min or p.salary_max:
        return f"{p.salary_min or p.salary_max}元/月起" if p.salary_min else f"最高{p.salary_max}元/月"
    return "面议"


def score(postings: Sequence[Posting], q: Query, *, tile_vectors: dict[str, Sequence[int]] | None = None,
          vocab: Mapping[str, float] | None = None, known: frozenset[str] = frozenset(), k: int = 8) -> Result:
    """Rank the fair's postings for one person; hard filters first, relaxed one by one if none pass.

    Taps and words add up: a tapped occupation (its codes, and its embedding's closeness), the share of the
    said words' weight a posting carries (:func:`hear`), and the share of the asked intents it meets."""
    tiles = [TILE_BY_KEY[t] for t in q.tiles if t in TILE_BY_KEY]
    vocab = vocabulary(postings) if vocab is None else vocab
    heard = hear(q.text, vocab, known) if q.text.strip() else Heard()
    said_total = sum(vocab[w] for w in heard.words)
    unheard_chars = list(dict.fromkeys(c for run in heard.unheard if len(run) <= SHORT_RUN for c in run))
    relaxed: list[str] = []
    pool = [p for p in postings if _passes(p, q, frozenset())]
    for name in RELAX_ORDER:
        if pool:
            break
        relaxed.append(name)
        pool = [p for p in postings if _passes(p, q, frozenset(relaxed))]
    out = []
    words_found = not heard.words
    for p in pool:
        s = 0.0
        reasons: list[str] = []
        hit = None
        if tiles:
            hit = _tile_hit(p.occupation_code, tiles)
            if hit is not None:
                s += W_TAP
                reasons.append(f"您选的「{hit.label}」：{p.occupation or p.title}")
            else:
                near, by = _near(p.occupation_code, tiles)
                if near:
                    s += W_TAP_NEAR * near
                    if near == 0.5:
                        reasons.append(f"与您选的「{by}」相近：{p.occupation or p.title}")
            if tile_vectors and p.vector is not None:
                s += W_TAP_VECTOR * max(rescale(int8_cosine(tile_vectors[t.key], p.vector))
                                        for t in tiles if t.key in tile_vectors)
        if heard.words:
            got = 0.0
            for w in heard.words:
                got += vocab[w] * p.words.get(w, 0.0)
            said = [w for w in heard.words if p.words.get(w, 0.0) > 0]
            if said:
                words_found = True
                s += W_WORDS * got / said_total
                reasons.append("您说的「" + "、".join(said[:3]) + "」" +
                               (f"：{p.occupation}" if p.occupation and hit is None else ""))
        if unheard_chars and not heard.words:
            have = {c for w, e in p.words.items() if e >= CHAR_EVIDENCE for c in w}
            hit = sum(1 for c in unheard_chars if c in have)
            if hit and hit * 2 >= len(unheard_chars):  # half the characters at least: one of six is chance
                s += W_CHARS * hit / len(unheard_chars)
                reasons.append("可能与「" + "、".join(heard.unheard[:2]) + "」有关")
        if heard.intents:
            met = [i for i in heard.intents if i in p.intents]
            s += W_INTENT * len(met) / len(heard.intents)
            shown = [understanding.INTENT_LABELS[i] for i in met if not (q.room_board and i == understanding.ROOM_BOARD)]
            if shown:
                reasons.append("、".join(shown))
        if q.room_board and p.room_board:
            reasons.append("包吃住")
        if p.km is not None and q.travel_km is not None and p.km <= q.travel_km:
            reasons.append(f"离会场约{p.km:g}公里")
        if q.education and p.education_min:
            reasons.append("学历符合")
        out.append(Scored(posting=p, score=s, reasons=reasons))
    out.sort(key=lambda x: (-x.score, -(x.posting.salary_max or x.posting.salary_min or 0), x.posting.id))
    missing = [Missing(label=t.label.replace(" ", "、"),
                       at_fair=any(_tile_hit(p.occupation_code, [t]) for p in postings))
               for t in tiles if not any(_tile_hit(x.posting.occupation_code, [t]) for x in out)]
    if len(missing) < len(tiles):
        missing = []  # another tapped occupation is there: the results are what was asked for
    return Result(items=out[:k], relaxed=relaxed, heard=heard, missing=missing, words_found=words_found,
                  tapped=bool(tiles))


def similar(postings: Sequence[Posting], job_id: int, *, k: int = 6) -> list[Scored]:
    """"More like this": by vector when there are vectors, else occupation code and shared bigrams."""
    base = next((p for p in postings if p.id == job_id), None)
    if base is None:
        return []
    out = []
    for p in postings:
        if p.id == job_id:
            continue
        if base.vector is not None and p.vector is not None:
            s = int8_cosine(base.vector, p.vector)
        else:
            code_a, code_b = base.occupation_code or "", p.occupation_code or ""
            same = 1.0 if code_a and code_a == code_b else 0.6 if code_a[:7] and code_a[:7] == code_b[:7] else (
                0.3 if code_a[:4] and code_a[:4] == code_b[:4] else 0.0)
            union = len(set(base.grams) | set(p.grams)) or 1
            s = same + len(set(base.grams) & set(p.grams)) / union
        out.append(Scored(posting=p, score=s, reasons=[f"与「{base.title}」相近"]))
    out.sort(key=lambda x: (-x.score, x.posting.id))
    return out[:k]


def measures(work_type: str, campaign: str | None = None) -> list[str]:
    """Priority measures a seeker may ask the booth or the service desk about (see README)."""
    out = []
    if work_type == WorkType.internship:
        out.append("就业见习岗位：离校2年内未就业高校毕业生、16–24岁失业青年可参加，见习期间有补贴")
    if work_type == WorkType.public_welfare:
        out.append("公益性岗位：优先安置就业困难人员、零就业家庭成员，需到服务台认定")
    if campaign:
        out.append(campaign)
    return out


def salary_text(p: Posting) -> str:
    return _salary(p)


EDUCATION_CHOICES = [(e.value, EDUCATION_LABELS[e]) for e in Education if e in (
    Education.junior_middle, Education.senior_high, Education.associate, Education.bachelor)]
WORK_TYPE_CHOICES = [(w.value, WORK_TYPE_LABELS[w]) for w in (WorkType.full_time, WorkType.part_time, WorkType.flexible)]

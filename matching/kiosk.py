"""The recruitment-fair kiosk's scorer (招聘会自助机): taps, filters and optional words against one fair's
postings, small enough to run the same way in the page (``service/static/kiosk/scorer.js``) when the
hall network drops.

Everything the page needs is plain numbers: each posting carries a set of character bigrams and, when
an embedding model is loaded, an int8 vector. Cosine on int8 vectors is integer arithmetic up to the
final square root, so this module and the page rank a fair's postings identically (a browser test holds
them to it). The server adds one thing the page cannot: the embedding of free text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from matching import refdata
from matching.enums import EDUCATION_LABELS, WORK_TYPE_LABELS, Education, WorkType

EDUCATION_RANK = {e.value: n for n, e in enumerate(Education)}

# Weights of the three signals; a signal the person did not give (no taps, no words) drops out.
W_TAP, W_TAP_VECTOR, W_TEXT = 0.6, 0.4, 1.0
COS_FLOOR, COS_SPAN = 0.2, 0.6  # cosines rescaled: ≤0.2 → 0, ≥0.8 → 1


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


@dataclass
class Result:
    items: list[Scored]
    relaxed: list[str]  # filters dropped because nothing at the fair passed them


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
          text_vector: Sequence[int] | None = None, k: int = 8) -> Result:
    """Rank the fair's postings for one person; hard filters first, relaxed one by one if none pass."""
    tiles = [TILE_BY_KEY[t] for t in q.tiles if t in TILE_BY_KEY]
    qgrams = set(bigrams(q.text))
    relaxed: list[str] = []
    pool = [p for p in postings if _passes(p, q, frozenset())]
    for name in RELAX_ORDER:
        if pool:
            break
        relaxed.append(name)
        pool = [p for p in postings if _passes(p, q, frozenset(relaxed))]
    out = []
    for p in pool:
        s = 0.0
        reasons: list[str] = []
        if tiles:
            hit = _tile_hit(p.occupation_code, tiles)
            if hit is not None:
                s += W_TAP
                reasons.append(f"对口「{hit.label}」")
            if tile_vectors and p.vector is not None:
                s += W_TAP_VECTOR * max(rescale(int8_cosine(tile_vectors[t.key], p.vector))
                                        for t in tiles if t.key in tile_vectors)
        if q.text.strip():
            if text_vector is not None and p.vector is not None:
                s += W_TEXT * rescale(int8_cosine(text_vector, p.vector))
            elif qgrams:
                s += W_TEXT * len(qgrams.intersection(p.grams)) / len(qgrams)
            said = [sk for sk in p.skills if sk and sk in q.text]
            if said:
                reasons.append("会「" + "、".join(said[:2]) + "」")
        if q.room_board and p.room_board:
            reasons.append("包吃住")
        if p.km is not None and q.travel_km is not None and p.km <= q.travel_km:
            reasons.append(f"离会场约{p.km:g}公里")
        if q.education and p.education_min:
            reasons.append("学历符合")
        out.append(Scored(posting=p, score=s, reasons=reasons))
    out.sort(key=lambda x: (-x.score, -(x.posting.salary_max or x.posting.salary_min or 0), x.posting.id))
    return Result(items=out[:k], relaxed=relaxed)


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

"""Lexical matching: the project's jieba tokenizer, skill extraction, synonyms, BM25, character n-grams, and the
rerank's lexical score of a candidate pool (by words and characters: :func:`pool_scores`).

The tokenizer is one ``jieba.Tokenizer`` owned by a :class:`Lexicon`, never jieba's
global one, with a user dictionary of occupation names and aliases (职业分类大典 2022),
skill phrases (拉勾 lexicon) and common blue-collar and service skills. It is built
lazily, once, under a lock.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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

# What every posting says, whatever the job: weighs little in the lexical score (:meth:`Lexicon.term_weight`).
JD_BOILERPLATE: frozenset[str] = frozenset(
    """岗位职责 职责 任职 任职要求 任职资格 资格 岗位要求 职位描述 岗位描述 工作内容 工作职责 薪资 薪酬 待遇 薪资待遇 福利
    福利待遇 五险一金 六险一金 五险 社保 公积金 双休 单休 周末双休 上班 下班 上班时间 工作时间 时间 地点 工作地点 面议
    简历 投递 联系 电话 微信 学历 学历不限 大专 本科 中专 高中 以上学历 大专及以上 本科及以上 经验 经验不限 年龄 身体健康
    吃苦耐劳 认真 踏实 沟通 能力 团队 合作 精神 责任心 责任心强 良好 优秀 稳定 发展 晋升 空间 提供 包吃 包住 包吃住
    食宿 工资 底薪 提成 奖金 绩效 补贴 月薪 年薪 周末 节假日 法定 带薪 年假 企业 集团 有限公司 平台 加入 欢迎 诚聘
    急聘 熟悉 熟练 掌握 了解 具体 日常 完成 协助 其他 领导 安排 事项 任务 主要 描述 内容 接受 愿意 一定""".split()
)
WEIGHT_MAX = 8.0  # a query word's weight at most (Latin words and the rarest Chinese ones)
IDF_FLOOR = 8.0  # jieba idf below which a word weighs nothing (工作 7.0, 公司 7.4, 负责 8.6, 保洁 14.5)
DOMAIN_MIN = 4.0  # occupation names and skills weigh at least this
BOILERPLATE_WEIGHT = 0.3
LAGOU_POSTINGS = 130_000  # postings the 拉勾 phrase counts come from (matching/data/README.md)
DOMAIN_SCALE, DOMAIN_SHIFT = 1.5, 2.0  # 沟通能力 (11,957 postings) → 1.6, a phrase in 100 → 8
INNER_FACTOR = 0.7  # a dictionary word inside a query word counts this much times its share of the characters
RELATED_MAX = 16
ROLE_SUFFIXES = ("工程师", "技术员", "操作工", "操作员", "司机", "专员", "助理", "师傅", "师", "员", "工", "手")
SYNONYM_FACTOR, OCCUPATION_ALIAS_FACTOR, STEM_FACTOR, HEAD_FACTOR = 0.85, 0.7, 0.8, 0.6
GENERIC_INNER = 0.3  # an inner word that is only the role part of a query word counts this much of its share


def _role_stem(word: str) -> str:
    """What a Chinese job word says before its role suffix (运维工程师 → 运维, 快递员 → 快递), or ""."""
    if not _CJK.search(word):
        return ""
    for suffix in ROLE_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            return word[: -len(suffix)]
    return ""

# 拉勾 phrases that name duties or circumstances rather than skills (维护工作, 开发经验者).
_NOT_A_SKILL = ("工作", "经验", "经验者", "需求", "目标", "任务", "计划", "进度", "团队", "部门", "行业", "过程", "问题")

_PUNCT_OR_SPACE = re.compile(r"^[\W_]+$")
_ALIAS_SPLIT = re.compile(r"[/、,，()（）\s]+")
_DICT_WORD = re.compile(r"^[\u4e00-\u9fa5A-Za-z0-9+#.&\-]{2,15}$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LETTER = re.compile(r"[a-z]")
_LATIN_CHAR = re.compile(r"[A-Za-z0-9]")

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
        self._lagou_freq: dict[str, int] = {}
        self._domain_terms: frozenset[str] = frozenset()
        self._boilerplate: frozenset[str] = JD_BOILERPLATE
        self._places: frozenset[str] = frozenset()
        self._related: dict[str, tuple[tuple[str, float], ...]] | None = None

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
        self._lagou_freq = {p.lower(): f for p, f in lagou.items()}
        self._domain_terms = frozenset(w.lower() for w in (*occupation_terms(), *hand))
        self._places = _place_names()
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

    # --- what a word weighs, what it is related to -----------------------------------

    def term_weight(self, token: str) -> float:
        """How much a query word counts in the lexical score, in [0, 8]: its rarity in general Chinese (jieba's
        dictionary, :meth:`idf`) above a floor, so 工作, 公司 and 负责 weigh next to nothing; rarity in 130k 拉勾
        postings for their duty and requirement phrases (沟通能力 is everywhere); at least 4 for occupation names and
        skills; little for the boilerplate every posting has (岗位职责, 五险一金, 吃苦耐劳); nothing for stopwords
        and single Chinese characters."""
        self._ensure_built()
        token = token.lower()
        if not token or token in STOPWORDS or (len(token) == 1 and _CJK.match(token)):
            return 0.0
        if not _CJK.search(token):
            return 0.0 if not _LETTER.search(token) else WEIGHT_MAX
        if token in self._boilerplate or (token in self._places and token not in self._domain_terms):
            return BOILERPLATE_WEIGHT
        posting_freq = self._lagou_freq.get(token)
        if posting_freq is not None:
            weight = DOMAIN_SCALE * math.log(LAGOU_POSTINGS / posting_freq) - DOMAIN_SHIFT
        else:
            weight = self.idf(token) - IDF_FLOOR
        if token in self._domain_terms:
            weight = max(weight, DOMAIN_MIN)
        return float(min(max(weight, 0.0), WEIGHT_MAX))

    def related(self, word: str) -> tuple[tuple[str, float], ...]:
        """Words that say (nearly) the same as ``word``, each with how much it counts for it (< 1): synonym groups
        (:data:`SKILL_SYNONYMS`, :data:`LATIN_SYNONYMS`), the names and aliases of one 细类 (职业分类大典),
        a job word and its stem (数据分析师 ↔ 数据分析, 叉车司机 ↔ 叉车), the specific head of an occupation name
        (插花 → 花艺师 of 插花花艺师), and the dictionary words inside it (数据分析 → 数据, 分析: less the shorter)."""
        self._ensure_built()
        word = word.lower()
        table = self._related_table()
        found = dict(table.get(word, ()))
        stem = _role_stem(word)
        for sub in self.inner_words(word):
            # the role word a query word ends with (工程师 of 运维工程师) says little: every engineer has it
            share = INNER_FACTOR * len(sub) / len(word) * (GENERIC_INNER if stem and sub not in stem else 1.0)
            found[sub] = max(found.get(sub, 0.0), share)
        if stem:  # 运维工程师 → 运维, even where the dictionary does not know the stem
            found[stem] = max(found.get(stem, 0.0), STEM_FACTOR)
        found.pop(word, None)
        return tuple(sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:RELATED_MAX])

    def inner_words(self, word: str) -> list[str]:
        """The dictionary's words of two or more characters inside a Chinese word, longest first (数据分析师 →
        数据分析, 分析师, 数据, 分析): a text holds them beside the word, so a query word finds a longer one."""
        if len(word) <= 2 or not _CJK.search(word):
            return []
        freq = self.tokenizer.FREQ
        return [word[i : i + n] for n in range(len(word) - 1, 1, -1) for i in range(len(word) - n + 1)
                if freq.get(word[i : i + n], 0) > 0 and word[i : i + n] not in STOPWORDS]

    def _related_table(self) -> dict[str, tuple[tuple[str, float], ...]]:
        if self._related is None:
            freq = self.tokenizer.FREQ  # built first: the lock is not re-entrant
            with self._lock:
                if self._related is None:
                    self._related = _build_related(freq)
        return self._related

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


def _place_names() -> frozenset[str]:
    """Province, city and county names, full and short (深圳市, 深圳): a place in a query is the location's
    business (a filter or the distance), not a word a posting should be rewarded for repeating."""
    names: set[str] = set()
    for county in refdata.counties().values():
        names.update((county.name, county.city_name, county.province_name))
    for city in refdata.cities().values():
        names.update((city.name, city.province_name))
    short = {re.sub(r"(?:特别行政区|自治区|自治州|自治县|地区|盟|省|市|区|县|旗)$", "", n) for n in names}
    return frozenset(n for n in names | short if len(n) >= 2)


def _build_related(freq: dict[str, int]) -> dict[str, tuple[tuple[str, float], ...]]:
    """word → (related word, factor) pairs; see :meth:`Lexicon.related`."""
    table: dict[str, dict[str, float]] = {}

    def link(a: str, b: str, factor: float) -> None:
        a, b = a.lower(), b.lower()
        if a != b and factor > table.setdefault(a, {}).get(b, 0.0):
            table[a][b] = factor

    def known(word: str) -> bool:
        return freq.get(word, 0) > 0 and word not in STOPWORDS and word not in JD_BOILERPLATE

    for groups, factor in ((SKILL_SYNONYMS, SYNONYM_FACTOR), (LATIN_SYNONYMS, LATIN_SYNONYM_FACTOR)):
        for group in groups:
            for a in group:
                for b in group:
                    link(a, b, factor)
    from matching.occupations import project_aliases  # here: occupations imports this module

    platform = project_aliases()
    for occupation in refdata.detailed_occupations():
        members: dict[str, None] = {}
        for raw in (occupation.name, *occupation.aliases, *platform.get(occupation.code, ())):
            for part in [raw, *_ALIAS_SPLIT.split(raw)]:
                part = _clean_term(part)
                if _DICT_WORD.match(part) and _CJK.search(part) and "其他" not in part and len(part) <= 12:
                    members[part] = None
        # a small group is one meaning; in a large one (淘宝直播, 抖音直播, 场控 …) each name is linked to the 细类's
        for a in members:
            for b in members:
                if len(members) <= 8 or occupation.clean_name in (a, b):
                    link(a, b, OCCUPATION_ALIAS_FACTOR)
    terms = occupation_terms()
    vocabulary = {*terms, *COMMON_SKILLS, *(w for group in SKILL_SYNONYMS for w in group)}
    for word in sorted(vocabulary):
        for suffix in ROLE_SUFFIXES:
            stem = word[: -len(suffix)]
            if word.endswith(suffix) and len(stem) >= 2 and known(stem):
                link(stem, word, STEM_FACTOR)
                link(word, stem, STEM_FACTOR)
                break
    # 插花花艺师 = 插花 + 花艺师: an official 细类 name made of a word and another occupation's name (a specific
    # one: few names end with it, unlike 工程师 or 文员) links the word to both
    heads = Counter(t[i:] for t in terms for i in range(1, len(t) - 1))
    term_set = set(terms)
    for word in sorted({o.clean_name for o in refdata.detailed_occupations()}):
        for i in range(2, len(word) - 2):
            head, modifier = word[i:], word[:i]
            if head in term_set and heads[head] <= 3 and known(modifier) and not _LATIN_CHAR.search(modifier):
                link(modifier, head, HEAD_FACTOR)
                link(modifier, word, STEM_FACTOR)
    return {w: tuple(sorted(r.items(), key=lambda kv: (-kv[1], kv[0]))) for w, r in table.items()}


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


# -------------------------------------------------------------------------- a candidate pool, by words and characters
#
# The rerank's lexical score 关键词重合: how much of the *query's* meaning a text covers, in [0, 1]. Each query
# word weighs by its rarity (:meth:`Lexicon.term_weight`) and by where it stands in the query (title first); each
# text holds the evidence it gives for a word: 1.0 in its title, 0.8 in a labelled skills/occupation part, less in
# its body (more when repeated, never as much as the title). Synonyms and the dictionary words inside a query word
# count at a discount (:meth:`Lexicon.related`). Character 2-grams of Chinese runs weigh a third beside the words,
# for typos and compounds the dictionary does not split. Latin words (AE, C++, Qt, .NET) match only whole.
#
# Each text's evidence is worked out once (:func:`analyse_text`, kept per record by
# :meth:`matching.records.RecordStore.lexical`) as one sorted array of keys and one of strengths; scoring a pool
# is a gather over their concatenation and a few bincounts (:func:`pool_scores`).

TITLE, CORE, LATIN_BODY, LATIN_ASIDE = 1.0, 0.8, 0.7, 0.3
# A two-letter capital abbreviation glued to Chinese in a title (AE工程师, PR经理) is ambiguous: AE is After Effects
# to a video editor, an application engineer or an account executive elsewhere. Weaker than a listed tool.
TITLE_ABBREVIATION = 0.3
# body evidence: BODY_MAX · tf / (tf + BODY_HALF): 0.40 once, 0.48 twice, → 0.6; pay, hours and the company
# (the "aside" parts) count ASIDE_MAX / BODY_MAX of that: a company that sells 数据线 does not make a 数据 job
BODY_MAX, ASIDE_MAX, BODY_HALF = 0.6, 0.2, 0.5
QUERY_ZONE = {"title": 1.0, "core": 0.8, "body": 0.4, "aside": 0.1}  # a query word counts by where the query says it
GRAM_SHARE = 0.5  # character 2-grams weigh this much beside the words (a third of the total when both exist)
TITLE_MAX_CHARS = 120  # a first part longer than this is no title

# Parts of a stored text (:func:`matching.text.posting_text`, :func:`matching.text.seeker_text`) are joined with
# "；"; these labels open the parts that list what the record is about.
_LABEL = re.compile(r"^(技能|职业|专业|求职意向|职责|要求|经历|岗位职责|任职要求|待遇|福利|时间|公司)：")
_LABEL_ZONE = {"技能": "core", "职业": "core", "专业": "core", "求职意向": "core", "待遇": "aside", "福利": "aside",
               "时间": "aside", "公司": "aside"}  # other labels open body parts
# Latin words keep + # . inside or after them: C++, C#, .NET, ASP.NET, Node.js; plain numbers are no words.
_LATIN = re.compile(r"(?<![A-Za-z0-9.])\.?[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*[+#]*")
_HAS_LETTER = re.compile(r"[A-Za-z]")
# Several-word names written as one word before matching.
_LATIN_PHRASES = (
    (re.compile(r"(?i)\bafter\s*effects?\b"), "AfterEffects"),
    (re.compile(r"(?i)\bpremiere(?:\s*pro)?\b"), "Premiere"),
    (re.compile(r"(?i)\bvisual\s*studio\b"), "VisualStudio"),
    (re.compile(r"(?i)\bmachine\s*learning\b"), "MachineLearning"),
)
# Latin names of one thing (hand-made, lower case): a query word finds the others at a small discount.
LATIN_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("go", "golang"), ("javascript", "js"), ("typescript", "ts"), ("photoshop", "ps"), ("aftereffects", "ae"),
    ("premiere", "pr"), ("c++", "cpp"), ("c#", "csharp"), ("postgresql", "postgres", "pgsql"),
    ("kubernetes", "k8s"), ("python", "py"), ("excel", "xls"), ("autocad", "cad"), ("machinelearning", "ml"),
    ("objective-c", "objc"), ("vue", "vue.js", "vuejs"), ("react", "react.js", "reactjs"), ("node.js", "nodejs"),
)
LATIN_SYNONYM_FACTOR = 0.9

_GLUED = "\x00glued"  # marks a glued title abbreviation's second key (no text holds a NUL)
def _word_key(word: str) -> int:
    """A word's key: 63 bits of its hash with the top bit set; a 2-gram's key (two 21-bit code points) never has it."""
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little") | (1 << 63)


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\U00020000" <= ch <= "\U0003134f"


def _latin_phrases(text: str) -> str:
    for pattern, word in _LATIN_PHRASES:
        text = pattern.sub(word, text)
    return text


def _zones(text: str) -> list[tuple[str, str]]:
    """(zone, part) of a stored text (:func:`matching.text.posting_text`, :func:`matching.text.seeker_text`: parts
    joined by "；", labelled): the first part is the title (a seeker's 求职意向 too); labelled skills, occupation and
    major are core; pay, working time and the company are aside; the rest is body. A part without a label belongs
    to the labelled one before it (a body part may hold "；" itself); labels are dropped. Whatever the order."""
    out: list[tuple[str, str]] = []
    zone = "body"
    for i, part in enumerate(p.strip() for p in text.split("；")):
        label = _LABEL.match(part)
        if label:
            zone = _LABEL_ZONE.get(label.group(1), "body")
            part = part[label.end():]
        elif zone == "core":
            zone = "body"
        if i == 0 and len(part) <= TITLE_MAX_CHARS and (not label or label.group(1) == "求职意向"):
            zone = "title"
        if part:
            out.append((zone, part))
        if zone == "title":
            zone = "body"
    return out


def _latin_words(part: str, zone: str) -> list[tuple[str, float, bool]]:
    """(lower-cased word, evidence, whether it is a two-letter capital abbreviation glued to a Chinese word) of each
    Latin word in a part. A glued title abbreviation is also said as ``word + _GLUED`` at full strength: a query that
    glues it the same way (AE工程师) means what the title means."""
    out = []
    for m in _LATIN.finditer(part):
        word = m.group()
        if not _HAS_LETTER.search(word):
            continue
        # glued: a Chinese word follows at once, as in a job name (AE工程师, PR经理), unlike 会AE or 熟悉AE、PR
        glued = len(word) == 2 and word.isupper() and m.end() + 1 < len(part) and _is_cjk(part[m.end()]) \
            and _is_cjk(part[m.end() + 1])
        if zone == "title":
            strength = TITLE_ABBREVIATION if glued else TITLE
            if glued:
                out.append((word.lower() + _GLUED, TITLE, False))
        else:
            strength = {"core": CORE, "body": LATIN_BODY}.get(zone, LATIN_ASIDE)
        out.append((word.lower(), strength, glued))
        if "." in word[1:]:  # ASP.NET is also .NET
            out.append((word[word.index(".", 1):].lower(), strength, False))
    return out


def _repeated_strength(tf: np.ndarray, most: float) -> np.ndarray:
    return most * tf / (tf + BODY_HALF)


@dataclass(frozen=True, slots=True)
class LexicalDoc:
    """What a text offers the lexical score: its word and 2-gram keys (sorted, distinct) and the evidence of each.

    About 12 bytes a key; a 500-character posting has a few hundred."""

    keys: np.ndarray  # uint64
    strength: np.ndarray  # float32, in (0, 1]

    @property
    def nbytes(self) -> int:
        return int(self.keys.nbytes + self.strength.nbytes)


EMPTY_DOC = LexicalDoc(np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.float32))


def _gram_codes(run: str) -> list[int]:
    return [(ord(a) << 21) | ord(b) for a, b in zip(run, run[1:], strict=False)]


_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]{2,}")


def analyse_text(text: str, lexicon: Lexicon | None = None) -> LexicalDoc:
    """A stored (normalised) text's :class:`LexicalDoc`: the jieba search tokens of its Chinese (the dictionary's
    words inside long ones too), its whole Latin words, and the 2-grams of its Chinese runs, each with the best
    evidence it has in the text (title > core > body; body evidence grows with repetition)."""
    lexicon = lexicon or default_lexicon()
    tokenizer = lexicon.tokenizer
    best: dict[int, float] = {}  # key → its best evidence in the title or core parts (and Latin words anywhere)
    repeated: dict[str, Counter[int]] = {"body": Counter(), "aside": Counter()}  # key → how often a part says it

    def keep(key: int, strength: float) -> None:
        if strength > best.get(key, 0.0):
            best[key] = strength

    for zone, part in _zones(_latin_phrases(text)):
        for word, evidence, _glued in _latin_words(part, zone):
            keep(_word_key(word), evidence)
        words = [t.lower() for t in tokenizer.cut(part, HMM=True) if len(t) >= 2 and _CJK.search(t)]
        keys = [_word_key(w) for word in words for w in (word, *lexicon.inner_words(word))]
        keys += [code for run in _CJK_RUN.findall(part) for code in _gram_codes(run)]
        if zone in repeated:
            repeated[zone].update(keys)
        else:
            for key in keys:
                keep(key, TITLE if zone == "title" else CORE)
    for zone, most in (("body", BODY_MAX), ("aside", ASIDE_MAX)):
        tf = np.fromiter(repeated[zone].values(), dtype=np.float64, count=len(repeated[zone]))
        for key, strength in zip(repeated[zone], _repeated_strength(tf, most).tolist(), strict=True):
            keep(key, strength)
    if not best:
        return EMPTY_DOC
    keys = np.fromiter(best.keys(), dtype=np.uint64, count=len(best))
    strength = np.fromiter(best.values(), dtype=np.float32, count=len(best))
    order = np.argsort(keys)
    return LexicalDoc(keys[order], strength[order])


@dataclass(frozen=True)
class LexicalQuery:
    """A query's slots (its words, then its 2-grams) with their weights, and the keys that give evidence for each:
    ``(keys[i], slots[i], factors[i])`` sorted by key, a key's evidence counting ``factor`` times for its slot."""

    keys: np.ndarray  # uint64, sorted (a key may repeat: it serves several slots)
    slots: np.ndarray  # int64
    factors: np.ndarray  # float64
    weights: np.ndarray  # float64, one per slot
    words: tuple[str, ...]  # the word slots, for tests and explanations
    n_words: int

    @property
    def empty(self) -> bool:
        return not len(self.keys) or not self.weights.sum() > 0


def analyse_query(text: str, lexicon: Lexicon | None = None) -> LexicalQuery:
    """The :class:`LexicalQuery` of a normalised query text (see :func:`_analyse_query`); with the default lexicon
    the last thousand are kept by text: a stored profile or posting is asked about again and again."""
    return _default_query(text) if lexicon is None else _analyse_query(text, lexicon)


@lru_cache(maxsize=1024)
def _default_query(text: str) -> LexicalQuery:
    query = _analyse_query(text, default_lexicon())
    for array in (query.keys, query.slots, query.factors, query.weights):
        array.flags.writeable = False  # shared between the queries that ask it
    return query


def _analyse_query(text: str, lexicon: Lexicon) -> LexicalQuery:
    """The words of a (normalised) query with their weight — rarity (:meth:`Lexicon.term_weight`) times where the
    query says them (:data:`QUERY_ZONE`) — each with its synonyms and inner dictionary words at a discount
    (:meth:`Lexicon.related`); then the 2-grams of its Chinese runs, each weighing what the words it overlaps do."""
    tokenizer = lexicon.tokenizer
    word_weight: dict[str, float] = {}
    gram_weight: dict[int, float] = {}
    glued: set[str] = set()  # abbreviations the query glues to Chinese (AE工程师)
    for zone, part in _zones(_latin_phrases(text)):
        place = QUERY_ZONE[zone]
        for word, _strength, is_glued in _latin_words(part, zone):
            if word.endswith(_GLUED):
                continue
            word_weight[word] = max(word_weight.get(word, 0.0), place * lexicon.term_weight(word))
            if is_glued:
                glued.add(word)
        char_weight = [0.0] * len(part)
        for token, start, end in tokenizer.tokenize(part, HMM=True):
            if not _CJK.search(token):
                continue
            weight = place * lexicon.term_weight(token.lower())
            char_weight[start:end] = [weight / max(end - start, 1)] * (end - start)
            if len(token) >= 2:
                word_weight[token.lower()] = max(word_weight.get(token.lower(), 0.0), weight)
        for m in _CJK_RUN.finditer(part):
            for i, code in enumerate(_gram_codes(m.group())):
                at = m.start() + i
                weight = char_weight[at] + char_weight[at + 1]
                if weight > gram_weight.get(code, 0.0):
                    gram_weight[code] = weight
    words = tuple(w for w, weight in word_weight.items() if weight > 0)
    chinese_total = sum(word_weight[w] for w in words if _CJK.search(w))
    keys: list[int] = []
    slots: list[int] = []
    factors: list[float] = []
    for slot, word in enumerate(words):
        same = ((word + _GLUED, 1.0),) if word in glued else ()
        for related, factor in ((word, 1.0), *same, *lexicon.related(word)):
            keys.append(_word_key(related))
            slots.append(slot)
            factors.append(factor)
    grams = [code for code, weight in gram_weight.items() if weight > 0]
    for i, code in enumerate(grams):
        keys.append(code)
        slots.append(len(words) + i)
        factors.append(1.0)
    weights = np.array([word_weight[w] for w in words] + [gram_weight[c] for c in grams], dtype=np.float64)
    gram_total = weights[len(words):].sum()
    if gram_total > 0:  # the grams weigh GRAM_SHARE of the Chinese words they come from, whatever their number
        weights[len(words):] *= GRAM_SHARE * chinese_total / gram_total
    key_array = np.array(keys, dtype=np.uint64)
    order = np.argsort(key_array, kind="stable")
    return LexicalQuery(key_array[order], np.array(slots, dtype=np.int64)[order],
                        np.array(factors, dtype=np.float64)[order], weights, words, len(words))


_LUT_BITS = 20
_LUT_MASK = np.uint64((1 << _LUT_BITS) - 1)


def pool_scores(query: LexicalQuery, docs: Sequence[LexicalDoc]) -> np.ndarray:
    """How much of the query each text covers, in [0, 1] (float32, aligned with ``docs``):
    Σ weight·evidence / Σ weight over the query's slots, a slot's evidence the best of its keys' in the text."""
    n = len(docs)
    if n == 0 or query.empty:
        return np.zeros(n, dtype=np.float32)
    lengths = np.fromiter((len(d.keys) for d in docs), dtype=np.int64, count=n)
    if not lengths.sum():
        return np.zeros(n, dtype=np.float32)
    keys = np.concatenate([d.keys for d in docs])
    # a 2²⁰-bucket table of the query's keys says which of the pool's keys may match; those few are checked exactly
    lut = np.zeros(1 << _LUT_BITS, dtype=bool)
    lut[(query.keys & _LUT_MASK).astype(np.int64)] = True
    maybe = np.flatnonzero(lut[(keys & _LUT_MASK).astype(np.int64)])
    found = keys[maybe]
    lo = np.searchsorted(query.keys, found, side="left")
    hi = np.searchsorted(query.keys, found, side="right")
    hit = hi > lo
    maybe, lo, hi = maybe[hit], lo[hit], hi[hit]
    if not len(maybe):
        return np.zeros(n, dtype=np.float32)
    strength = np.concatenate([d.strength for d in docs])[maybe].astype(np.float64)
    owner = np.searchsorted(np.cumsum(lengths), maybe, side="right")
    # each matched key serves hi − lo slots: one row per (text, slot) pair
    count = hi - lo
    row = np.repeat(np.arange(len(maybe)), count)
    at = np.repeat(lo - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
    # a slot's evidence in a text is the best of its keys' there: sort the (text, slot) pairs, best first
    pair = owner[row] * len(query.weights) + query.slots[at]
    value = strength[row] * query.factors[at]
    order = np.lexsort((-value, pair))
    pair, value = pair[order], value[order]
    first = np.ones(len(pair), dtype=bool)
    first[1:] = pair[1:] != pair[:-1]
    pair, value = pair[first], value[first]
    weighted = value * query.weights[pair % len(query.weights)]
    scores = np.bincount(pair // len(query.weights), weights=weighted, minlength=n) / query.weights.sum()
    return np.minimum(scores, 1.0).astype(np.float32)


@lru_cache(maxsize=4096)
def _analysed(text: str) -> LexicalDoc:
    return analyse_text(text)


def text_pool_scores(query_text: str, texts: Sequence[str]) -> np.ndarray:
    """:func:`pool_scores` of normalised texts (what a reader that keeps no lexical docs gives), the last few
    thousand texts' docs kept by text."""
    return pool_scores(analyse_query(query_text), [_analysed(t) for t in texts])

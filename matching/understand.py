"""Query understanding 需求理解: what a person's own words ask for, as data the ranking can use.

People type or say what they want the way they would at a counter — "会开叉车，五千以上，包住",
"统计学研一，想找数据分析实习", "宝妈，想找离家近的兼职", "深圳 C++ Qt". :func:`understand` reads such text
into an :class:`Understanding`:

* **intents** (:data:`INTENTS`): internship 实习, part-time 兼职, apprenticeship 学徒, room and board 包吃住,
  day-paid 日结, no experience needed 零基础, near home 离家近 — each checked on a posting's own text and
  fields by :func:`posting_intents`, so the ranking can prefer postings that meet them;
* a **salary floor** from "五千以上", "6k+", "不低于4500", "一天200" (a day's or an hour's pay is turned into a
  month's at 26 days of 8 hours, the rule of thumb of the 劳动合同 wage tables);
* a **place** said in the text (a province, a city or a county by its name, with or without its suffix);
* an **age** the person states of themselves ("我今年52岁", "52岁了") and a **schooling** level they name;
* the **words** that remain (the topical part, for the occupation coder and the summary).

Nothing here guesses what was not said: a field the text does not give stays empty, and
:meth:`Understanding.summary` reads back only what was understood ("理解为：数据分析 · 实习 · 深圳").
Pure: regular expressions and the region tables, no model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from matching import refdata
from matching.enums import Education, WorkType
from matching.text import normalize

# --- intents ------------------------------------------------------------------------------------------------

INTERNSHIP, PART_TIME, APPRENTICESHIP, ROOM_BOARD, DAY_PAID, NOVICE, NEAR_HOME = (
    "internship", "part_time", "apprenticeship", "room_board", "day_paid", "novice", "near_home")
INTENTS = (INTERNSHIP, PART_TIME, APPRENTICESHIP, ROOM_BOARD, DAY_PAID, NOVICE, NEAR_HOME)
INTENT_LABELS = {
    INTERNSHIP: "实习",
    PART_TIME: "兼职",
    APPRENTICESHIP: "学徒",
    ROOM_BOARD: "包吃住",
    DAY_PAID: "日结",
    NOVICE: "零基础可做",
    NEAR_HOME: "离家近",
}

_NOT = r"(?<![不无没非未])"  # "不包住", "无宿舍": a negated perk is not a perk
_BOARD = r"包吃包住|包吃住|包住|包食宿|管吃住|提供住宿"  # said alike by both sides
_DAY_PAID = r"日结|当天结|天天结|当日结|现结|日薪|一天一结"
# What the asker says (their words) → intent.
_ASKED: dict[str, re.Pattern[str]] = {
    INTERNSHIP: re.compile(r"实习"),
    PART_TIME: re.compile(r"兼职|小时工|零工|临时工|短期工|短工|周末|业余时间|晚上有空|钟点"),
    APPRENTICESHIP: re.compile(r"学徒|学手艺|学门手艺|学技术|学一门|跟师傅|拜师"),
    ROOM_BOARD: re.compile(_NOT + rf"(?:{_BOARD}|管住|有宿舍|住宿)"),
    DAY_PAID: re.compile(_DAY_PAID),
    NOVICE: re.compile(r"没(?:有)?经验|无经验|零基础|没干过|新手|不会也行|没学历|不要求?经验|经验不限"),
    NEAR_HOME: re.compile(r"离家近|家附近|家门口|附近的?|就近|不想跑远|离家不远|本地的?(?:活|工作)"),
}
# What a posting says (its text and fields) → intent met.
_OFFERED: dict[str, re.Pattern[str]] = {
    INTERNSHIP: re.compile(r"实习"),
    PART_TIME: re.compile(r"兼职|小时工|钟点工|零工|临时工|短期工|按小时|时薪|灵活(?:上班|用工|就业|时间)"),
    APPRENTICESHIP: re.compile(r"学徒|带徒|师傅带|师带徒|可培养|包教|教会|带教|培训上岗|岗前培训"),
    ROOM_BOARD: re.compile(_NOT + rf"(?:{_BOARD}|免费住宿|员工宿舍|提供宿舍|宿舍)"),
    DAY_PAID: re.compile(_DAY_PAID + r"|按天结"),
    NOVICE: re.compile(r"接受新手|无经验|零基础|不限经验|经验不限|无需经验|不需要经验|小白|可培养|师傅带|包教"),
}


# Words by which a person says they are a student or a recent graduate (for 见习岗位 and 实习).
_STUDENT = re.compile(r"应届|毕业生|刚毕业|在校|在读|大学生|研究生|研[一二三]|大[一二三四](?!学)|学生|实习|毕业(?:班|年)")

# --- numbers ------------------------------------------------------------------------------------------------

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
           "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_CN_NUMBER = "[零〇一二两三四五六七八九十百千万]+"


def chinese_number(text: str) -> int | None:
    """A number written in Chinese characters: 五千 5000, 三千五 3500, 一万二 12000, 十五 15, 两千八百 2800."""
    if not text or any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        return None
    total, section, digit, last_unit = 0, 0, None, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
            continue
        unit = _UNITS[ch]
        if unit == 10000:
            section = (section + (digit or 0)) * 10000
            total, section = total + section, 0
        else:
            section += (1 if digit is None else digit) * unit
        digit, last_unit = None, unit
    if digit is not None:  # a trailing digit after a unit means the next unit down: 三千五 = 3500, 一万二 = 12000
        section += digit * (last_unit // 10 if last_unit and last_unit >= 100 else 1)
    return total + section


_AMOUNT = re.compile(
    r"(?P<num>\d+(?:\.\d+)?|" + _CN_NUMBER + r")\s*(?P<unit>[kK千wW万]?)(?P<tail>[一二三四五六七八九\d]?)"
)
_PER_DAY = re.compile(r"(?:一天|每天|日薪|天薪|日结|一日)\s*$")
_PER_HOUR = re.compile(r"(?:一小时|每小时|时薪|小时)\s*$")
_MONTH_WORDS = re.compile(r"工资|月薪|薪资|薪水|待遇|收入|底薪|保底|到手|一个月|每月|月入")
_FLOOR_AFTER = re.compile(r"^\s*(?:元|块钱?|块)?\s*(?:/月|每月|一个月)?\s*(?:以上|起|往上|\+|多|左右|上下|出头)")
_FLOOR_BEFORE = re.compile(r"(?:不低于|不少于|至少|起码|最少|最低|要|想要|能有|能拿|拿到|高于|超过|大于)\s*$")
_NOT_PAY_AFTER = re.compile(r"^\s*(?:岁|周岁|年|个月|月份|号|天(?!\d)|小时(?!\d)|公里|km|KM|米|人|次|个|元/小时|斤|平|亩|头|只|届|级)")
DAYS_PER_MONTH, HOURS_PER_DAY = 26, 8


def _amount(match: re.Match[str]) -> float | None:
    num, unit, tail = match["num"], match["unit"], match["tail"]
    value = float(num) if num[0].isdigit() else chinese_number(num)
    if value is None:
        return None
    if unit in "kK千" and unit:
        value *= 1000
        if tail:  # 6千5 = 6500
            value += (int(tail) if tail.isdigit() else _DIGITS.get(tail, 0)) * 100
    elif unit in "wW万" and unit:
        value *= 10000
        if tail:  # 1万2 = 12000
            value += (int(tail) if tail.isdigit() else _DIGITS.get(tail, 0)) * 1000
    return value


def salary_floor(text: str) -> int | None:
    """The least monthly pay the text asks for, in yuan, or None: "五千以上" 5000, "6k+" 6000, "工资4500" 4500,
    "一天200" 5200 (26 days), "时薪25" 5200 (8 hours × 26 days). Ages, years, distances and counts are not pay."""
    best: int | None = None
    for m in _AMOUNT.finditer(text):
        before, after = text[max(0, m.start() - 8):m.start()], text[m.end():m.end() + 6]
        if _NOT_PAY_AFTER.match(after) and not m["unit"]:
            continue
        value = _amount(m)
        if value is None or value <= 0:
            continue
        if _PER_DAY.search(before) or re.match(r"^\s*(?:元|块)?\s*(?:/天|一天|每天)", after):
            value *= DAYS_PER_MONTH
        elif _PER_HOUR.search(before) or re.match(r"^\s*(?:元|块)?\s*(?:/小时|一小时|每小时)", after):
            value *= DAYS_PER_MONTH * HOURS_PER_DAY
        elif not (m["unit"] or _MONTH_WORDS.search(before) or _FLOOR_BEFORE.search(before)
                  or _FLOOR_AFTER.match(after) or re.match(r"^\s*(?:元|块)", after)):
            continue
        if not 500 <= value <= 200_000:  # not a month's pay in China
            continue
        best = int(value) if best is None else max(best, int(value))
    return best


_AGE = re.compile(r"(?:我|本人|今年|已经|都|快)?\s*(?P<num>\d{2}|" + _CN_NUMBER + r")\s*(?P<more>多)?(?:周岁|岁)(?P<tail>了|多|出头)?")
_AGE_LIMIT_AFTER = re.compile(r"^\s*(?:以下|以上|以内|之内|左右的|的人?要|的要|也要|能干|能做|可以吗|行吗|要吗)")


def stated_age(text: str) -> int | None:
    """An age the person gives as their own ("我今年52岁", "五十多岁了", "快60岁"), not a limit they ask about."""
    for m in _AGE.finditer(text):
        if _AGE_LIMIT_AFTER.match(text[m.end():m.end() + 6]) and not (m["tail"] or m["more"]):
            continue
        if re.search(r"[-~～至到—]\s*$", text[max(0, m.start("num") - 2):m.start("num")]):
            continue  # the upper end of a range ("18-45岁") is a limit, not an age
        num = m["num"]
        age = int(num) if num.isdigit() else chinese_number(num)
        if age is not None and 14 <= age <= 80:
            return age
    return None


_OWN = r"(?:毕业|学历|文化|在读|肄业|没毕业|水平|生(?!活|产|鲜|意))"  # said of oneself: 初中毕业, 大专学历, 本科生
_EDUCATION_WORDS: tuple[tuple[re.Pattern[str], Education], ...] = (
    (re.compile(r"博士" + _OWN + r"|博士后|读博|博[一二三]"), Education.doctorate),
    (re.compile(r"(?:硕士|研究生)(?:毕业|学历)"), Education.master),
    (re.compile(r"(?:硕士|研究生)(?:在读|生)?|研[一二三]|读研"), Education.bachelor),  # a master's student holds a bachelor's
    (re.compile(r"本科" + _OWN + r"?|大[三四]|学士"), Education.bachelor),
    (re.compile(r"(?:大专|专科|高职)" + _OWN + r"?|大[一二]"), Education.associate),
    (re.compile(r"(?:中专|职高|技校|高中)" + _OWN), Education.senior_high),
    (re.compile(r"(?:初中|小学)" + _OWN + r"|没读过书|不识字|没上过学|没什么文化"), Education.junior_middle),
)
_NOT_OWN_AFTER = re.compile(r"^(?:以上|及以上|优先|即可|不限|学历以上)")


def stated_education(text: str) -> Education | None:
    """The highest schooling the text names as the person's own ("初中毕业", "大专学历", "研一", "本科"), or None:
    a level named as a subject or a limit ("小学数学", "本科以上") is not the person's."""
    for pattern, level in _EDUCATION_WORDS:
        for m in pattern.finditer(text):
            if not _NOT_OWN_AFTER.match(text[m.end():m.end() + 4]):
                return level
    return None


# --- places -------------------------------------------------------------------------------------------------

_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "地区", "新区",
             "省", "市", "区", "县", "盟", "旗")
# Short names that are also everyday words: said alone they are not a place.
_COMMON_WORDS = frozenset({"东方", "安康", "大同", "和平", "新华", "城关", "永和", "长安", "文化", "开平", "太平",
                           "白山", "黄山", "平安", "吉利", "通化", "永安", "安宁", "新城", "城中", "市中", "中山路",
                           "普洱", "五指山", "南京路", "海东", "定西", "宝山", "东区", "西区", "南区", "北区"})


@dataclass(frozen=True, slots=True)
class Place:
    code: str  # a province (2 digits), city (4) or county (6) prefix
    name: str

    @property
    def level(self) -> str:
        return {2: "province", 4: "city", 6: "county"}[len(self.code)]


def _short(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def _place_names() -> tuple[dict[str, Place], re.Pattern[str]]:
    """Every province, city and county by full and short name; a name shared by several places is kept only at
    the highest level that has it once (a city's name beats a county's of the same spelling)."""
    found: dict[str, set[tuple[int, str, str]]] = {}

    def add(name: str, code: str, display: str, level: int) -> None:
        if len(name) >= 2 and name not in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            found.setdefault(name, set()).add((level, code, display))

    for code, name in refdata.provinces().items():
        add(name, code, name, 0)
        add(_short(name), code, name, 0)
    for city in refdata.cities().values():
        if city.name in ("市辖区", "县") or "直辖" in city.name:
            continue
        add(city.name, city.code, city.name, 1)
        add(_short(city.name), city.code, city.name, 1)
    for county in refdata.counties().values():
        if county.name == "市辖区":
            continue
        add(county.name, county.code, county.name, 2)
        short = _short(county.name)
        if short != county.name and len(short) >= 2:
            add(short, county.code, county.name, 2)
    places: dict[str, Place] = {}
    for name, entries in found.items():
        top = min(level for level, _, _ in entries)
        at_top = {(code, display) for level, code, display in entries if level == top}
        if len(at_top) == 1 and name not in _COMMON_WORDS:
            code, display = next(iter(at_top))
            places[name] = Place(code, display)
    names = sorted(places, key=len, reverse=True)
    return places, re.compile("|".join(map(re.escape, names)))


_SPACE = re.compile(r"\s+")
_NOT_A_PLACE_AFTER = re.compile(r"^(?:路|街|大道|大街|镇(?!.)|村|公司|集团|银行|大学|学院|医院|人|话|菜|口音)")


def find_place(text: str) -> tuple[Place, str] | None:
    """The most specific place named in the text, and the words that named it."""
    places, pattern = _place_names()
    best: tuple[Place, str] | None = None
    for m in pattern.finditer(text):
        if _NOT_A_PLACE_AFTER.match(text[m.end():m.end() + 4]):
            continue
        place = places[m.group()]
        if best is None or len(place.code) > len(best[0].code):
            best = (place, m.group())
    return best


# --- the whole reading --------------------------------------------------------------------------------------

_FILLER = re.compile(
    r"我想找|想找|我想|想要|想做|想干|我会|本人|找一?份|找个|有没有|有什么|的工作|的活儿?|工作|岗位|"
    r"求职|谢谢|请问|可以吗|行吗|要吗|也行|也可以|都行|都可以|干了|干过|做过|吗|呢|啊|吧|的|了|以上|以下|左右|"
    r"一个月|每月|月薪|工资|收入|待遇|一天|每天|时薪"
)
_COUNTED = re.compile(r"(?:\d+|" + _CN_NUMBER + r")\s*(?:多)?(?:年|个月|人|岁|周岁|天|小时|公里|km)")
_LONE = re.compile(r"(?:(?<=\s)|^)(?:[\u4e00-\u9fff]|[^\w\s]+)(?=\s|$)")


@dataclass(frozen=True)
class Understanding:
    """What a query was read as. ``occupations`` are filled by the caller's occupation coder
    (:meth:`with_occupations`); the rest by :func:`understand`."""

    text: str
    intents: frozenset[str] = frozenset()
    salary_floor: int | None = None
    place: Place | None = None
    age: int | None = None
    education: Education | None = None
    topic: str = ""  # the words left when intents, pay, place and fillers are taken out
    student: bool = False  # says they are a student or a recent graduate
    skills: tuple[str, ...] = ()
    occupations: tuple[tuple[str, str, float], ...] = ()  # (code, name, confidence), best first
    notes: tuple[str, ...] = field(default=())

    def with_occupations(self, hits: tuple[tuple[str, str, float], ...]) -> Understanding:
        return replace(self, occupations=hits)

    def with_skills(self, skills: tuple[str, ...]) -> Understanding:
        return replace(self, skills=skills)

    @property
    def work_types(self) -> tuple[WorkType, ...]:
        return (WorkType.part_time,) if PART_TIME in self.intents else ()

    def labels(self) -> list[str]:
        """The understood parts as short Chinese labels, most telling first."""
        out: list[str] = []
        if self.occupations:
            out.append(self.occupations[0][1])
        elif self.topic and not self.skills:
            out.append(_shortened(self.topic, 16))
        out.extend(s for s in self.skills[:3] if all(s not in o for o in out))
        out.extend(INTENT_LABELS[i] for i in INTENTS if i in self.intents)
        if self.salary_floor:
            out.append(f"月薪{self.salary_floor}元以上")
        if self.place:
            out.append(self.place.name)
        if self.age:
            out.append(f"{self.age}岁")
        return out

    def summary(self) -> str:
        labels = self.labels()
        return "理解为：" + " · ".join(labels) if labels else ""

    def to_plain(self) -> dict[str, object]:
        return {
            "summary": self.summary(),
            "occupations": [{"code": c, "name": n, "confidence": round(s, 3)} for c, n, s in self.occupations],
            "skills": list(self.skills),
            "intents": [i for i in INTENTS if i in self.intents],
            "salary_floor": self.salary_floor,
            "place": None if self.place is None else {"code": self.place.code, "name": self.place.name},
            "age": self.age,
            "education": None if self.education is None else self.education.value,
            "notes": list(self.notes),
        }


def _shortened(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut between words (spaces) where the text has them."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut[: cut.rfind(" ")] if " " in cut else cut + "…"


def understand(text: str) -> Understanding:
    """Read a person's request (see the module's docstring)."""
    text = normalize(text, max_chars=2000)
    intents = frozenset(i for i, p in _ASKED.items() if p.search(text))
    if INTERNSHIP in intents and APPRENTICESHIP in intents and "实习" not in text:
        intents -= {INTERNSHIP}
    floor = salary_floor(text)
    found = find_place(text)
    topic = text
    for pattern in _ASKED.values():
        topic = pattern.sub(" ", topic)
    if found:
        topic = topic.replace(found[1], " ")
    topic = _AGE.sub(" ", topic)
    topic = _COUNTED.sub(" ", topic)
    topic = _AMOUNT.sub(lambda m: " " if (m["unit"] or (_amount(m) or 0) >= 100) else m.group(), topic)
    topic = _FILLER.sub(" ", topic)
    topic = re.sub(r"[，。、；：,.;:!！?？/|（）()…\s]+", " ", topic)
    topic = _SPACE.sub(" ", _LONE.sub(" ", topic)).strip()
    return Understanding(text=text, intents=intents, salary_floor=floor, place=found[0] if found else None,
                         age=stated_age(text), education=stated_education(text), topic=topic,
                         student=bool(_STUDENT.search(text)))


def posting_intents(text: str, *, work_type: str | None = None, room_board: bool = False) -> frozenset[str]:
    """The intents a posting meets, from its text (title first) and fields."""
    met = {i for i, p in _OFFERED.items() if p.search(text)}
    if work_type == WorkType.part_time.value or work_type == WorkType.flexible.value:
        met.add(PART_TIME)
    if work_type == WorkType.internship.value:
        met.add(INTERNSHIP)
    if room_board:
        met.add(ROOM_BOARD)
    return frozenset(met)


__all__ = [
    "INTENTS",
    "INTENT_LABELS",
    "Place",
    "Understanding",
    "chinese_number",
    "find_place",
    "posting_intents",
    "salary_floor",
    "stated_age",
    "stated_education",
    "understand",
]

"""Text clean-up for postings and seekers: normalisation, title cleaning, texts to embed.

``normalize`` is safe on any user text. ``clean_title`` goes further and keeps only
what names the occupation in a posting title (招聘标题), for occupation coding;
``display_title`` keeps the whole title as people should see it, without markup or emoji.
``posting_text`` and ``seeker_text`` build the text that is embedded for a posting (岗位)
or a seeker (求职者) from their structured fields; a posting's text is also what its
lexical score reads.
"""

from __future__ import annotations

import html
import re
import threading
import unicodedata
from collections.abc import Iterable

import zhconv

from matching import refdata
from matching.sections import SectionKind, find_posts, find_sections

MAX_TEXT_CHARS = 2000
EMBED_TEXT_CHARS = 512
# A posting's stored text: embedded (the model reads its first 128 tokens, about the first 120 characters) and
# scored lexically as a whole. Long enough for the duties, requirements and pay of nearly every real posting
# (company introduction last, cut first); see the commit that set it for what it costs per 100k postings.
POSTING_TEXT_CHARS = 1500

_TAG = re.compile(r"<[^>]{0,200}>")
# Entity remnants (double-escaped or cut off: "&amp;nbsp", "&nbsp"), not "R&D" or "P&G".
_ENTITY = re.compile(r"&(?:nbsp|amp|lt|gt|quot|apos|#\d{2,6}|#x[0-9a-fA-F]{2,5});?|&[a-zA-Z]{2,8};")
_SPACE = re.compile(r"\s+")
# Brackets used as decoration in titles (【急聘】), unlike （）and 《》 which carry meaning.
_DECORATIVE = set("【】〖〗〔〕「」『』﹝﹞[]{}|~^`_=*#@$\\<>")
# Punctuation worth keeping: it separates clauses or belongs to words (C++, 3.5, 50%).
_KEEP_PUNCT = set("，。、；：？！（）()《》“”‘’\"',.;:?!-+/%&·…—")


def _half_width(ch: str) -> str:
    code = ord(ch)
    if code == 0x3000:
        return " "
    if 0xFF01 <= code <= 0xFF5E:
        half = chr(code - 0xFEE0)
        # Chinese full-width punctuation reads better kept as is: （）：，；？！ are common in titles.
        return ch if half in "(),:;?!" else half
    return ch


def _keep(ch: str) -> str:
    """Drop emoji, symbols and invisible marks; letters, digits and meaningful punctuation stay."""
    if ch in _KEEP_PUNCT:
        return ch
    if ch in _DECORATIVE:
        return " "
    cat = unicodedata.category(ch)
    if cat[0] in "LN":
        return ch
    if cat == "Zs" or ch in "\n\t\r":
        return " "
    if cat in ("Pd", "Pc"):
        return "-"
    if cat[0] == "P":
        return " "
    # So (★ ☎ emoji), Sk, Sm, Cf (zero-width joiner), Mn (variation selectors), Co, Cs, Cc.
    return " "


def normalize(text: str | None, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Canonical form of user text: half-width ASCII, simplified Chinese, no markup or emoji.

    >>> normalize("【急聘】ＡＢＣ叉車司機★★ <b>月薪</b>&nbsp;8Ｋ")
    '急聘 ABC叉车司机 月薪 8K'
    """
    if not text:
        return ""
    text = html.unescape(str(text))
    text = _TAG.sub(" ", text)
    text = _ENTITY.sub(" ", text)
    text = "".join(_keep(_half_width(ch)) for ch in text)
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        text = zhconv.convert(text, "zh-cn")
    text = _SPACE.sub(" ", text).strip()
    return text[:max_chars].rstrip()


# --- display titles -----------------------------------------------------------------

_SCRIPT = re.compile(r"<\s*(script|style)\b[^>]{0,200}>.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)
_BREAK_TAG = re.compile(r"<\s*/?\s*(?:br|p|div|li|tr|td|h[1-6])\b[^>]{0,200}>", re.IGNORECASE)
# Emoji parts that are not symbols themselves: variation selectors, the keycap mark, joiners.
_EMOJI_MARKS = re.compile("[\ufe00-\ufe0f\u20e3\u200b-\u200f\u2060-\u2064\U000e0000-\U000e01ef]")
# CJK punctuation and brackets: no space beside them ("园艺师 （急聘）" → "园艺师（急聘）").
_TIGHT = "（）【】〖〗「」『』《》〈〉，、。：；！？"
_SPACE_BY_PUNCT = re.compile(rf"\s+(?=[{_TIGHT}])|(?<=[{_TIGHT}])\s+")
_EMPTY_PAIR = re.compile(r"【\s*】|〖\s*〗|\[\s*\]|（\s*）|\(\s*\)|「\s*」|『\s*』")


def _shown(ch: str) -> str:
    """A title's character as shown: emoji, pictographs and decorative symbols become a space."""
    if ch.isascii():
        return ch if ch.isprintable() else " "
    cat = unicodedata.category(ch)
    if cat in ("So", "Sk", "Co", "Cs", "Cc", "Cf", "Me", "Cn") or cat[0] == "Z":
        return " "
    return ch


def display_title(title: str | None) -> str:
    """A posting's title as people should see it: markup, entities, emoji and decorative symbols removed, spaces
    tidied, the words as the employer wrote them (the stored title is kept as given).

    >>> display_title("<b>园艺师</b>&nbsp;（急聘）")
    '园艺师（急聘）'
    >>> display_title("🌸园艺师🌿急招🔥")
    '园艺师 急招'
    """
    if not title:
        return ""
    text = str(title)
    for _ in range(2):  # "&amp;nbsp;" is an entity escaped twice
        text = html.unescape(text)
    text = _SCRIPT.sub(" ", text)
    text = _BREAK_TAG.sub(" ", text)
    text = _TAG.sub("", text)
    text = _ENTITY.sub(" ", text)
    text = _EMOJI_MARKS.sub("", text)
    text = "".join(_shown(_half_width(ch)) for ch in text)
    text = _EMPTY_PAIR.sub(" ", text)
    text = _SPACE_BY_PUNCT.sub("", _SPACE.sub(" ", text)).strip()
    return text or _SPACE.sub(" ", _TAG.sub("", str(title))).strip()


# --- title cleaning -----------------------------------------------------------------

# Pay written any of the usual ways: 8k-12k, 6000-8000元, 月入3万, 22/时, 6000起, +提成70%, 底薪3500.
_SALARY = [
    r"\d+(?:\.\d+)?\s*[kKwW千万]?\s*[-~至到]\s*\d+(?:\.\d+)?\s*[kKwW千万]?(?:元|块)?(?:/?(?:月|天|日|时|小时))?",
    r"(?:月入|月薪|年薪|日薪|时薪|薪资|薪水|工资|收入|底薪|保底|综合薪资|到手)[:：]?\s*(?:过万|\d+(?:\.\d+)?\s*[kKwW千万]?(?:元|块)?(?:\+|起|以上|左右)?)?",
    r"\+?(?:高)?提成\s*(?:\d+(?:\.\d+)?\s*%)?",
    r"\d+(?:\.\d+)?\s*(?:元|块)?\s*/\s*(?:时|小时|天|日|月|h)",
    r"\d+(?:\.\d+)?\s*[kKwW千万]\s*(?:\+|起|以上|左右)?",
    r"\d{3,6}\s*(?:元|块)?\s*(?:\+|起|以上|左右)",
    r"\d{4,6}\s*(?:元|块)",
    r"过万|上万|高收入",
    r"\d{2,4}\s*届",
    r"(?<![A-Za-z\d])\d{3,6}(?![A-Za-z\d])",  # a bare 7000 in a title is pay
]
# 招聘 as in "we are hiring", not the recruiting job (招聘专员, 招聘经理).
_HIRE = "招聘(?!专员|主管|经理|助理|顾问|总监|官|负责人|HR|hr|BP|bp|师)"
# Words about the advert, the shift or the perks, not the occupation.
_NOISE_WORDS = [
    "高薪诚聘", "高薪急聘", "高薪招聘", "诚聘", "急聘", "急招", "直招", "直聘", _HIRE, "招募", "聘请", "火热招聘", "高薪",
    "包吃包住", "包吃住", "包食宿", "提供食宿", "提供住宿", "免费住宿", "管吃住", "包住", "包吃", "包餐", "餐补", "房补",
    "五险一金", "六险一金", "五险", "六险", "社保", "双休", "单休", "大小周", "周末双休", "月休\\d+天", "做六休一",
    "长白班", "长白", "白班", "夜班", "两班倒", "三班倒", "倒班", "轮班", "早晚班", "朝九晚五(?:点半)?", "不加班",
    "日结", "周结", "月结", "可日结", "发薪早", "按时发薪", "无责底薪", "有责底薪", "无责", "底薪",
    "不坐班", "时间自由", "上班时间地点自由", "地点自由", "就近分配", "就近安排", "可兼职", "兼职", "全职",
    "无经验可", "无需经验", "无经验", "经验不限", "学历不限", "零基础", "可培训", "带薪培训", "有培训", "包培训",
    "无需露脸", "不露脸", "无销售", "不压货", "稳定", "长期", "短期", "暑假工", "寒假工", "暑期工", "临时工", "小时工",
    "欢迎\\S{0,8}加入", "有志之士", "若干名?", "\\d+\\s*名", "多名", "数名",
    "年龄\\d+\\s*[-~至到]?\\s*\\d*岁?(?:以下|以上)?", "男女不限", "限男", "限女",
    "有\\d+年以上\\S{0,6}经验", "\\d+年以上\\S{0,6}经验", "\\d+年经验", "应届生?可", "接受小白", "小白可",
    "热招", "免费", "带薪(?:休假|年假|实习|培训)?", "\\d+薪", "福利(?:好|多|优厚|待遇好)?", "职位编号[:：]?\\s*\\w*",
    "投递简历\\S{0,8}", "(?:可)?接受应届生?", "(?:可)?接受外派", "工作地点\\S{0,6}",
]
_SALARY_RE = re.compile("|".join(f"(?:{p})" for p in _SALARY))
_NOISE_RE = re.compile("|".join(f"(?:{w})" for w in _NOISE_WORDS))
# A leading company or shop name: "XX有限公司招聘店员", "汉中市汉台区西新...招聘店员".
_ADVERT_SPLIT = re.compile(r"^(.{2,40}?)(?:\.{3}|…+)?(?:高薪)?(?:诚聘|急聘|急招|直招|招募|" + _HIRE + ")(?=.)")
_TRUNCATED_PREFIX = re.compile(r"^.{1,30}?(?:\.{3}|…+)")
_COMPANY = re.compile(
    r"^\S{2,25}?(?:股份有限公司|有限责任公司|有限公司|集团公司|集团|公司|工作室|事务所|商行)(?=\S)"
)
_CODE_IN_BRACKETS = re.compile(r"[（(][A-Za-z]*\d[\w-]*[)）]")
_TRAILING_ID = re.compile(r"(?<=[\u4e00-\u9fff])\d{3,}$")
_SEPARATORS = re.compile(r"[\s,，、;；:：!！?？|·…()（）]+")
# A leading 招 of an advert (招游戏主播), but not 招商, 招生, 招标 and the like.
_LEADING_HIRE = re.compile(r"(?:^|(?<=\s))招(?:工|人)?(?![商标生聘募收待投])")
_EMPTY_BRACKETS = re.compile(r"[（(]\s*[-+/]*\s*[)）]")

# Region names that are also ordinary words in job titles keep their place in the title.
_GENERIC_PLACES = {"城区", "郊区", "矿区", "新区", "市辖区", "县", "市中区", "城中区", "城关区", "开发区", "高新区"}
_PLACE_SUFFIX = re.compile(
    r"(?:特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|地区|盟|省|市|区|县|旗)$"
)
_places_lock = threading.Lock()
_places_re: re.Pattern[str] | None = None


def _short_place(name: str) -> str:
    short = _PLACE_SUFFIX.sub("", name)
    # 黔东南苗族侗族自治州 → 黔东南, 长白朝鲜族自治县 → 长白.
    short = re.sub(r"(?:[\u4e00-\u9fff]{1,3}族)+$", "", short)
    return short


def _place_pattern() -> re.Pattern[str]:
    """Province, city and county names (full and short) that do not occur in occupation names."""
    global _places_re
    if _places_re is not None:
        return _places_re
    with _places_lock:
        if _places_re is None:
            names: set[str] = set()
            for county in refdata.counties().values():
                names.update((county.name, county.city_name, county.province_name))
            for city in refdata.cities().values():
                names.update((city.name, city.province_name))
            candidates: set[str] = set()
            for name in names:
                if not name or name in _GENERIC_PLACES:
                    continue
                candidates.add(name)
                short = _short_place(name)
                if len(short) >= 2:
                    candidates.add(short)
            occupation_words = [
                w for o in refdata.occupations().values() for w in (o.name, *o.aliases)
            ]
            vocabulary = "\n".join(occupation_words)
            safe = sorted((p for p in candidates if p not in vocabulary), key=len, reverse=True)
            body = "|".join(map(re.escape, safe))
            _places_re = re.compile(f"(?:{body})(?:地区|区域|市|区|县|省|站|店)?")
    return _places_re


def strip_places(text: str) -> str:
    """Remove province, city and county names (无锡-叉车司机 → -叉车司机)."""
    return _place_pattern().sub(" ", text)


def clean_title(title: str | None) -> str:
    """The part of a posting title that names the occupation.

    Drops company and shop names, places, pay, perks and advert words:
    ``"红板科技股份有限公司招聘普工/操作工 8k-12k 包吃住"`` → ``"普工/操作工"``.
    Returns the normalised title when cleaning would leave nothing.
    """
    text = normalize(title, max_chars=200)
    if not text:
        return ""
    text = _CODE_IN_BRACKETS.sub(" ", text)
    match = _ADVERT_SPLIT.match(text)
    if match:
        cleaned = _strip_noise(text[match.end():])
        if cleaned:
            return cleaned
    without_company = _COMPANY.sub("", _TRUNCATED_PREFIX.sub("", text))
    return _strip_noise(without_company) or _strip_noise(text) or text


def _strip_noise(text: str) -> str:
    text = _SALARY_RE.sub(" ", text)
    text = _NOISE_RE.sub(" ", text)
    text = strip_places(text)
    text = _TRAILING_ID.sub("", text)
    text = _EMPTY_BRACKETS.sub(" ", text)
    text = _SEPARATORS.sub(" ", text)
    text = _LEADING_HIRE.sub("", text)
    text = re.sub(r"\s*[-+/]+\s*(?=\s|$)", " ", text)
    text = re.sub(r"(?:^|\s)[-+/]+\s*", " ", text)
    return _SPACE.sub(" ", text).strip(" -+/()（）")


# --- texts to embed -----------------------------------------------------------------


def _as_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [v for v in value if v]


def _join_unique(items: Iterable[str], sep: str = "、") -> str:
    seen: dict[str, None] = {}
    for item in items:
        item = normalize(item, max_chars=100)
        if item and item.lower() not in (s.lower() for s in seen):
            seen[item] = None
    return sep.join(seen)


def _assemble(parts: list[tuple[str, str]], max_chars: int) -> str:
    """Join labelled parts in order, skipping any already said, within ``max_chars``."""
    out: list[str] = []
    said = ""
    for label, body in parts:
        if not body or body in said:
            continue
        piece = f"{label}{body}" if label else body
        out.append(piece)
        said += "\n" + body
    text = "；".join(out)
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    # End on a clause boundary when one is near the limit.
    boundary = max(cut.rfind(p) for p in "。；;！？!?")
    return cut[: boundary + 1] if boundary >= max_chars * 0.7 else cut


# The parts of a posting's body in the order they are embedded, with their labels; place and contact are left out
# (an address or a phone number says nothing of the work). When the text is too long, the last parts are cut first.
_BODY_ORDER: tuple[tuple[SectionKind, str], ...] = (
    (SectionKind.duties, "职责："),
    (SectionKind.requirements, "要求："),
    (SectionKind.other, ""),
    (SectionKind.benefits, "待遇："),
    (SectionKind.time, "时间："),
    (SectionKind.company, "公司："),
)
# Parts shortened only when everything after them is gone, and then sharing what is left.
_SUBSTANCE = (SectionKind.duties, SectionKind.requirements)


_BRACKETED = re.compile(r"[（(【\[][^）)】\]]{0,30}[）)】\]]")


def _post_core(name: str) -> str:
    return normalize(_BRACKETED.sub(" ", display_title(name)), max_chars=100).lower().replace(" ", "")


def own_text(title: str, description: str | None) -> str:
    """The part of a description about this posting: a recruitment brochure (招聘简章) listing other positions
    around the posting's own keeps what is common to all and the position the title names, if one does (the
    posting's own text is otherwise the text outside the listed positions); any other description as it is."""
    if not description:
        return ""
    posts = find_posts(description)
    if not posts:
        return description
    between = (description[a.end:b.start] for a, b in zip(posts, posts[1:], strict=False))
    outside = "\n\n".join([description[:posts[0].start], *between, description[posts[-1].end:]])
    core = _post_core(title)
    named = [p for p in posts if (c := _post_core(p.name)) and core and (c == core or (len(c) >= 2 and c in core))]
    own = outside
    if named:
        post = max(named, key=lambda p: len(p.name))
        own = description[post.start:post.end] + "\n\n" + outside
    about_work = {s.kind for s in find_sections(own)} & {SectionKind.duties, SectionKind.requirements}
    return own if about_work else description


def _body_parts(title: str, requirements: str | None, description: str | None, max_chars: int
                ) -> dict[SectionKind, str]:
    """The description's and requirements' sections by kind (of the posting's own part of a brochure); text under
    no header in the requirements field is requirements."""
    description = own_text(title, description)
    found: dict[SectionKind, list[str]] = {}
    for field, default in ((requirements, SectionKind.requirements), (description, SectionKind.other)):
        for section in find_sections(field):
            kind = default if section.kind is SectionKind.other else section.kind
            found.setdefault(kind, []).append(section.text)
    # A part's closing "；" would double the separator it is joined with.
    return {kind: normalize("\n".join(texts), max_chars=max_chars).rstrip("；;，, ")
            for kind, texts in found.items()}


def _cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, ending on a clause boundary when one is near."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    boundary = max(cut.rfind(p) for p in "。；;！？!?，,、 ")
    return cut[: boundary + 1].rstrip() if boundary >= limit * 0.7 else cut


def _fit(head: list[tuple[str, str]], body: list[tuple[SectionKind, str, str]], max_chars: int
         ) -> list[tuple[str, str]]:
    """Cut the body to fit ``max_chars`` with the head: the company goes first, then time, benefits and text under
    no header; duties and requirements share what is left (neither is lost behind a very long other)."""
    sep = 1  # "；"
    room = max_chars - sum(len(label) + len(text) + sep for label, text in head if text)
    need = {kind: len(label) + len(text) + sep for kind, label, text in body}
    texts = {kind: text for kind, _label, text in body}
    for kind, label, text in reversed(body):
        if sum(need.values()) <= room:
            break
        if kind in _SUBSTANCE:
            continue
        over = sum(need.values()) - room
        keep = len(text) - over
        if keep < 20:  # a stub of a section says nothing
            need.pop(kind)
            texts.pop(kind)
        else:
            texts[kind] = _cut(text, keep)
            need[kind] = len(label) + len(texts[kind]) + sep
    if sum(need.values()) > room:  # duties and requirements alone are too long: they share the room, the
        # shorter keeps all it needs up to half of it, the longer takes the rest
        labels = {kind: label for kind, label, _text in body}
        substance = sorted((k for k in _SUBSTANCE if k in texts), key=lambda k: need[k])
        left = max(room - sum(need[k] for k in need if k not in _SUBSTANCE), 0)
        for i, kind in enumerate(substance):
            share = left // (len(substance) - i)
            if need[kind] > share:
                texts[kind] = _cut(texts[kind], max(share - len(labels[kind]) - sep, 0))
            left -= min(need[kind], share)
    return [(label, texts[kind]) for kind, label, _text in body if texts.get(kind)]


def posting_text(
    title: str,
    occupation_name: str | None = None,
    skills: Iterable[str] | None = None,
    requirements: str | None = None,
    description: str | None = None,
    *,
    max_chars: int = POSTING_TEXT_CHARS,
) -> str:
    """Text embedded for a job posting (岗位), also the text its lexical score reads: title, occupation, skills,
    then the body by what it is about (:mod:`matching.sections`), the work first: duties, requirements, text
    under no header, pay and benefits, working time, and the company introduction last; place and contact lines
    are left out. Within ``max_chars``: the company is cut first, and duties and requirements last."""
    head = [
        ("", normalize(title, max_chars=100)),
        ("职业：", normalize(occupation_name, max_chars=60)),
        ("技能：", _join_unique(_as_list(skills))),
    ]
    parts = _body_parts(title, requirements, description, max_chars)
    body = [(kind, label, parts[kind]) for kind, label in _BODY_ORDER if parts.get(kind)]
    return _assemble(head + _fit(head, body, max_chars), max_chars)


def seeker_text(
    desired_occupations: str | Iterable[str] | None = None,
    skills: Iterable[str] | None = None,
    experience: str | Iterable[str] | None = None,
    major: str | None = None,
    self_intro: str | None = None,
    *,
    max_chars: int = EMBED_TEXT_CHARS,
) -> str:
    """Text embedded for a job seeker (求职者): wanted jobs, skills, experience, major, self-introduction."""
    return _assemble(
        [
            ("求职意向：", _join_unique(_as_list(desired_occupations))),
            ("技能：", _join_unique(_as_list(skills))),
            ("经历：", _join_unique(_as_list(experience), sep="；")),
            ("专业：", normalize(major, max_chars=60)),
            ("", normalize(self_intro, max_chars=max_chars)),
        ],
        max_chars,
    )

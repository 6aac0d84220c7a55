"""The sections of a job description 岗位描述的段落: duties, requirements, benefits, company, place, time, contact.

Real postings are written any way: a company introduction (公司简介) first, with or without a header; headers in
【】, [], ** or <b>, numbered (一、 / 1. / (1)), followed by a colon or standing on their own line, or inline
after a full stop ("…。任职要求：本科…"); English headers (Responsibilities, Requirements). :func:`find_sections`
cuts a text into :class:`Section` spans in order; text under no recognised header stays ``other`` in place,
except a paragraph that reads as an introduction of the company (成立于, 注册资本, 旗下, 致力于…) and a line
that is only a way to get in touch (a phone number, an e-mail, 有意者请…).

Offsets are into the text as given (HTML tags and entities included), so ``text[s.start:s.end]`` is what a
reader would highlight; ``Section.text`` is the body as plain text (tags removed, entities decoded).
"""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass
from enum import StrEnum


class SectionKind(StrEnum):
    duties = "duties"  # 岗位职责
    requirements = "requirements"  # 任职要求
    benefits = "benefits"  # 福利待遇 (pay included)
    company = "company"  # 公司简介
    place = "place"  # 工作地点
    time = "time"  # 工作时间
    contact = "contact"  # 联系方式
    other = "other"


@dataclass(frozen=True, slots=True)
class Section:
    """One span of a description: ``header`` as written without its decoration (``"岗位职责"``; ``""`` when the
    kind was read from the text itself), ``text`` the plain body, ``start``/``end`` offsets of the whole span
    (header included) in the text given."""

    kind: SectionKind
    header: str
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Post:
    """One position of a recruitment brochure (招聘简章) that lists several ("岗位3：电焊工（招聘5人）"): its name
    and its span in the text given."""

    name: str
    start: int
    end: int


K = SectionKind
# Header words of each kind, the way postings write them. Longer spellings are tried first.
_HEADERS: dict[SectionKind, tuple[str, ...]] = {
    K.duties: (
        "岗位职责", "工作职责", "职位职责", "岗位职能", "工作内容", "职位描述", "岗位描述", "岗位内容", "职位内容",
        "工作描述", "主要职责", "岗位说明", "职位说明", "职责描述", "职责范围", "工作任务", "主要工作", "具体工作",
        "日常工作", "岗位工作", "职责内容", "你将负责", "你要做的事", "你要做的", "你需要做的", "你的职责",
        "你将要做", "工作职能", "主要干", "主要做", "职责", "Job Responsibilities", "Key Responsibilities", "Responsibilities",
        "Job Description", "Job Duties", "Duties", "What you will do", "What you'll do", "What You Will Do",
        "About the role", "The role", "Your role",
    ),
    K.requirements: (
        "任职要求", "岗位要求", "任职资格", "职位要求", "招聘要求", "应聘要求", "任职条件", "应聘条件", "招聘条件",
        "岗位条件", "录用条件", "基本要求", "职位资格", "资格要求", "任职资质", "岗位资格", "技能要求", "能力要求",
        "工作要求", "学历要求", "经验要求", "年龄要求", "专业要求", "身体要求", "其他要求", "人员要求", "加分项",
        "优先条件", "我们希望你", "希望你", "我们期待你", "我们需要你", "你需要具备", "你需要", "你的样子",
        "要求", "学历", "经验", "年龄", "Requirements", "Qualifications", "Job Requirements", "Who you are",
        "What we're looking for",
        "What we are looking for", "What we look for", "Must have", "Nice to have", "Preferred",
    ),
    K.benefits: (
        "福利待遇", "薪资福利", "薪酬福利", "薪资待遇", "薪酬待遇", "工资待遇", "员工福利", "公司福利", "岗位福利",
        "福利保障", "福利政策", "薪资结构", "薪资范围", "我们提供", "我们能提供", "我们可以提供", "你将获得",
        "你能获得", "你将得到", "你可以获得", "福利", "待遇", "薪资", "薪酬", "工资", "薪水", "Benefits", "Perks",
        "What we offer", "Compensation", "Salary",
    ),
    K.company: (
        "公司简介", "公司介绍", "关于我们", "企业简介", "企业介绍", "公司概况", "企业概况", "公司概述", "单位简介",
        "单位介绍", "集团简介", "集团介绍", "团队介绍", "品牌介绍", "门店介绍", "公司背景", "医院简介", "学校简介",
        "发展历程", "发展历史", "企业文化", "公司文化", "团队文化", "荣誉资质", "企业荣誉", "公司荣誉", "企业资质",
        "公司优势", "企业优势", "品牌故事", "企业愿景", "员工关怀", "培训体系", "培训与发展", "人才培养", "About us",
        "About the company", "Company overview", "Company profile", "Who we are", "Company",
    ),
    K.place: (
        "工作地点", "上班地址", "工作地址", "上班地点", "公司地址", "面试地址", "面试地点", "办公地点", "工作区域",
        "工作城市", "所在城市", "地址", "地点", "Base", "Location", "Address",
    ),
    K.time: (
        "工作时间", "上班时间", "作息时间", "工作时长", "工作制度", "班次", "Working hours", "Work hours", "Schedule",
    ),
    K.contact: (
        "联系方式", "联系电话", "联系人", "咨询电话", "报名电话", "应聘方式", "报名方式", "简历投递", "投递方式",
        "投递邮箱", "简历邮箱", "应聘邮箱", "联系邮箱", "招聘流程", "应聘流程", "面试流程", "温馨提示", "郑重声明",
        "免责声明", "电话", "手机", "微信", "邮箱", "Contact", "Email",
        "How to apply",
    ),
}
# Spellings short or common enough that, inside a line, they are a header only before a colon or inside 【】.
_LOOSE = {"Base", "职责", "要求", "学历", "经验", "年龄", "主要干", "主要做", "福利", "待遇", "薪资", "薪酬", "工资", "薪水",
          "地址", "地点", "班次", "电话", "手机", "微信",
          "邮箱", "希望你", "你需要", "Company", "Salary", "Email", "Schedule", "Address", "Location", "Preferred"}
# Words that may follow a header word and belong to it: 任职要求如下, 福利待遇说明.
_SUFFIX = r"(?:如下|说明|介绍|简介|概述|一览|包括|制度|体系|政策)?"
_NUMBER = (
    r"(?:第?[一二三四五六七八九十]{1,3}\s*[、.．:：)）]|[(（]\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[)）]"
    r"|\d{1,2}\s*(?:[、．)）]|\.(?!\d))|[①-⑳❶-❿➀-➉]|[A-Za-z]\s*[、.．)](?=\s*[^\sA-Za-z]))"
)
_BULLET = r"[■□●○◆◇★☆▶►▷▪▫•·▌▍|>※✔✅☑◎\-—~#]"
_OPEN = r"(?:[【\[〖〔「『《]|\*\*|__)"
_CLOSE = r"(?:[】\]〗〕」』》]|\*\*|__)"
_COLON = r"[：:]"
_GAP = r"[ \t\u3000\xa0]"

_words = sorted({w for words in _HEADERS.values() for w in words}, key=len, reverse=True)
_KIND_OF = {w.lower(): kind for kind, words in _HEADERS.items() for w in words}
_WORD = "|".join(re.escape(w) for w in _words)
# A line's first words: bullets, a number, an opening bracket, optionally a few words naming the post
# ("Java开发工程师岗位职责："), then the header word.
_LINE_HEADER = re.compile(
    rf"^{_GAP}*(?:{_BULLET}{_GAP}*)*(?:{_NUMBER}{_GAP}*)?(?P<open>{_OPEN})?{_GAP}*"
    rf"(?P<lead>[\w\u4e00-\u9fff/（）()+#·-]{{0,12}}?)(?P<word>{_WORD}){_SUFFIX}"
    rf"(?P<gap>{_GAP}*)(?P<close>{_CLOSE})?{_GAP}*(?P<colon>{_COLON})?{_GAP}*",
    re.MULTILINE | re.IGNORECASE,
)
# Inside a line: after a clause's end or a bracket, a header with a colon or in brackets.
_INLINE_HEADER = re.compile(
    rf"(?<=[。；;！!？?，,、\s)）])(?:{_NUMBER}{_GAP}*)?(?P<open>{_OPEN})?{_GAP}*(?P<word>{_WORD}){_SUFFIX}"
    rf"{_GAP}*(?P<close>{_CLOSE})?{_GAP}*(?P<colon>{_COLON})?",
    re.IGNORECASE,
)
_LATIN = re.compile(r"[A-Za-z]")

# What an introduction of the company says: one of the strong marks, or two of the others, in a paragraph.
_COMPANY_STRONG = re.compile(
    r"成立于|始建于|创立于|创建于|注册资本|注册资金|旗下|致力于|总部位于|总部设在|是一家|是一所|是国内|是全国|是全球"
    r"|是中国|上市公司|(?:主板|创业板|科创板|港股|美股|纳斯达克|港交所|新三板)上市|世界500强|中国500强|500强企业"
    r"|公司位于|坐落于|位于.{0,20}(?:园区|开发区|高新区)|专业从事|主营|经营范围|公司简介|公司成立|集团公司|本公司|我公司"
    r"|我们是|是本地|是当地|founded in|headquartered|is a leading|we are a",
    re.IGNORECASE,
)
# A paragraph that opens with the employer's name saying what it is or does ("XX劳务有限公司具有…资质").
_COMPANY_OPENING = re.compile(
    r"^\s*[\u4e00-\u9fffA-Za-z0-9（）()·]{2,30}?(?:有限责任公司|股份有限公司|有限公司|公司|集团|合作社|工作室|事务所"
    r"|医院|酒店|网点|配送站|站点|工厂|农场|养殖场|学校|幼儿园|中心|超市|商场|饭店|餐厅|酒楼|门店)"
    r"(?:是|系|具有|拥有|专注|专业|成立|创立|始建|位于|坐落|隶属|主营|主要|经营|从事|依托|种植|养殖|承接|作为|自\d|于\d)"
)
_COMPANY_WEAK = re.compile(
    r"公司|集团|企业|品牌|总部|分公司|子公司|员工|占地|产值|营业额|营收|客户|行业|领先|秉承|理念|愿景|使命|荣获|荣誉"
    r"|高新技术|专精特新|独角兽|融资|投资|连锁|门店|业务覆盖|服务于|拥有|研发|生产|销售网络|平台|团队|合作社|基地|资质"
    r"|承接|口碑|网点|站点|覆盖|规模|模式|厂区|园区",
)
# A sentence that turns from the company to the job: the introduction ends before it.
_HIRING = re.compile(
    r"招聘|诚聘|急聘|急需|招募|现招|现需|现因|直招|招工|招人|因业务|因发展|业务发展需要|诚邀|虚位以待|欢迎.{0,10}加入|岗位"
    r"|职位|我们正在寻找"
    r"|we are looking|we're hiring|is hiring",
    re.IGNORECASE,
)
# A duty or requirement said in so many words: such a paragraph is not a company introduction.
_JOB_TALK = re.compile(r"负责|职责|任职|要求|优先|熟悉|熟练|掌握|具备|具有.{0,6}经验|以上学历|学历|年以上|应届|能吃苦")
_CONTACT_LINE = re.compile(
    r"(?<!\d)1[3-9]\d(?:[\s-]?\d){8}(?!\d)|(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)"
    r"|[A-Za-z0-9._+-]{1,64}@[A-Za-z0-9-]{1,63}\.[A-Za-z0-9.]{2,63}"
    r"|有意者|有意向者|感兴趣的|简历(?:请)?(?:发送|投递|发至|发到)|请(?:将|把)?简历|请致电|请联系|联系(?:我们|电话|人)|微信[:：]|QQ[:：]",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[。！!？?；;，,]+|\n")
_BLANK_LINE = re.compile(r"\n[ \t\u3000\xa0]*\n")
_FIELD_KINDS = (K.place, K.time, K.contact)  # one line each, as a rule

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^<>]{0,500}?>|<!--.{0,2000}?-->", re.DOTALL)
_BLOCK_TAGS = {"br", "p", "div", "li", "ul", "ol", "tr", "td", "table", "h1", "h2", "h3", "h4", "h5", "h6",
               "section", "article", "header", "footer", "dd", "dt", "dl", "hr", "blockquote", "pre"}
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});?")


def _plain(text: str) -> tuple[str, list[int]]:
    """``text`` without tags (block tags become line breaks) and with entities decoded, and for each of its
    characters the offset it came from in ``text`` (one more entry: the end)."""
    out: list[str] = []
    where: list[int] = []
    pos = 0

    def copy(upto: int) -> None:
        chunk = text[pos:upto].replace("\r\n", " \n").replace("\r", "\n")
        # Entities inside the chunk, each decoded in place.
        last = 0
        for m in _ENTITY.finditer(chunk):
            out.append(chunk[last:m.start()])
            where.extend(range(pos + last, pos + m.start()))
            decoded = html.unescape(m.group())
            decoded = decoded.replace("\xa0", " ")
            out.append(decoded)
            where.extend([pos + m.start()] * len(decoded))
            last = m.end()
        out.append(chunk[last:])
        where.extend(range(pos + last, pos + len(chunk)))

    for m in _TAG.finditer(text):
        copy(m.start())
        name = (m.group(2) or "").lower()
        if name in _BLOCK_TAGS:
            out.append("\n")
            where.append(m.start())
        elif name in ("b", "strong"):
            out.append("**")  # a header in bold reads as one in ** (markdown)
            where.extend((m.start(), m.start()))
        pos = m.end()
    copy(len(text))
    where.append(len(text))
    return "".join(out), where


@dataclass(slots=True)
class _Header:
    kind: SectionKind
    word: str
    start: int  # of the header in the plain text
    body: int  # where its body begins


def _kind_of(word: str) -> SectionKind:
    return _KIND_OF[word.lower()]


def _line_end(plain: str, at: int) -> int:
    end = plain.find("\n", at)
    return len(plain) if end < 0 else end


def _headers(plain: str) -> list[_Header]:
    found: dict[int, _Header] = {}
    for m in _LINE_HEADER.finditer(plain):
        word, lead = m.group("word"), m.group("lead")
        own_line = plain[m.end():_line_end(plain, m.end())].strip(" *_") == ""
        marked = bool(m.group("colon")) or bool(m.group("open") and m.group("close"))
        if lead and (word in _LOOSE or not ((marked or own_line) and _lead_names_a_post(lead))):
            continue
        if (_LATIN.match(word) or word in _LOOSE) and not (marked or own_line):
            continue
        if _LATIN.match(word) and lead and lead[-1].isascii() and lead[-1].isalnum():  # "Database:" is no "Base:"
            continue
        # "岗位职责 负责…": a long header word followed by a space starts its section too.
        if not (marked or own_line or (len(word) >= 4 and not _LATIN.match(word) and m.group("gap"))):
            continue
        found[m.start()] = _Header(_kind_of(word), word, m.start(), m.end())
    line_starts = sorted(found)
    for m in _INLINE_HEADER.finditer(plain):
        at = bisect.bisect_right(line_starts, m.start()) - 1
        if at >= 0 and m.start() < found[line_starts[at]].body:  # part of a header found at a line's start
            continue
        if not (m.group("colon") or (m.group("open") and m.group("close"))):
            continue
        word = m.group("word")
        if _LATIN.match(word) and not m.group("colon"):
            continue
        found[m.start()] = _Header(_kind_of(word), word, m.start(), m.end())
    return [found[k] for k in sorted(found)]


def _lead_names_a_post(lead: str) -> bool:
    """Words before a header at a line's start name the post ("Java开发工程师岗位职责"), not a sentence."""
    return not re.search(r"[，,。；;的了和及与负责]", lead)


def _company_strong(text: str) -> bool:
    return bool(_COMPANY_STRONG.search(text) or _COMPANY_OPENING.match(text))


def _company_like(text: str) -> bool:
    if _JOB_TALK.search(text):
        return False
    return _company_strong(text) or len(set(_COMPANY_WEAK.findall(text))) >= 3


def _split_company(plain: str, start: int, end: int) -> list[tuple[SectionKind, int, int]]:
    """Text under no header: paragraphs that introduce the company are ``company`` (an introduction that turns to
    the job mid-paragraph ends before the sentence that does), contact lines ``contact``, the rest ``other``."""
    parts: list[tuple[SectionKind, int, int]] = []
    pos = start
    previous = K.other
    for para_start, para_end in _paragraphs(plain, start, end):
        para = plain[para_start:para_end]
        kind = K.other
        cut = para_end
        weak = len(set(_COMPANY_WEAK.findall(para)))
        # A paragraph right after the introduction continues it with fewer marks ("公司秉承…的理念").
        if _company_strong(para) or weak >= 3 or (previous is K.company and weak >= 1):
            # The introduction is the run of clauses before the first that turns to the job.
            cut = para_start
            for s_start, s_end in _clauses(plain, para_start, para_end):
                sentence = plain[s_start:s_end]
                if _HIRING.search(sentence) or _JOB_TALK.search(sentence):
                    break
                cut = s_end
            intro = plain[para_start:cut]
            if cut > para_start and (_company_like(intro) or (previous is K.company and not _JOB_TALK.search(intro)
                                                               and not _HIRING.search(intro))):
                kind = K.company
            else:
                cut = para_end
        elif _is_contact(para):
            kind = K.contact
        if kind is not K.other:
            if para_start > pos:
                parts.append((K.other, pos, para_start))
            parts.append((kind, para_start, cut))
            pos = cut
        previous = kind if cut == para_end else K.other
    if pos < end:
        parts.append((K.other, pos, end))
    return _merge([p for p in parts if plain[p[1]:p[2]].strip()])


def _paragraphs(plain: str, start: int, end: int) -> list[tuple[int, int]]:
    """Lines (a company introduction is one paragraph; a line of contact is one line)."""
    out = []
    pos = start
    while pos < end:
        nl = plain.find("\n", pos, end)
        stop = end if nl < 0 else nl
        if plain[pos:stop].strip():
            out.append((pos, stop))
        pos = stop + 1
    return out


def _clauses(plain: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    pos = start
    for m in _CLAUSE_END.finditer(plain, start, end):
        out.append((pos, m.end()))
        pos = m.end()
    if pos < end:
        out.append((pos, end))
    return out


def _merge(parts: list[tuple[SectionKind, int, int]]) -> list[tuple[SectionKind, int, int]]:
    merged: list[tuple[SectionKind, int, int]] = []
    for kind, s, e in parts:
        if merged and merged[-1][0] is kind:
            merged[-1] = (kind, merged[-1][1], e)
        else:
            merged.append((kind, s, e))
    return merged


def _trailing(plain: str, kind: SectionKind, body: int, end: int) -> int:
    """Where a section's own text ends: a field (place, time, contact) written on the header's line ends there;
    any section ends before a blank line followed by a paragraph that introduces the company."""
    if kind in _FIELD_KINDS:
        line_end = _line_end(plain, body)
        if plain[body:min(line_end, end)].strip():
            return min(line_end, end)
        blank = _BLANK_LINE.search(plain, body, end)
        return blank.start() if blank else end
    for blank in _BLANK_LINE.finditer(plain, body, end):
        first = plain[blank.end():end].split("\n", 1)[0]
        if _company_strong(first) and _company_like(first):
            end = blank.start()
            break
    # Closing lines that only say how to get in touch ("有意者请联系…") are not the section's.
    lines = _paragraphs(plain, body, end)
    while len(lines) > 1 and _is_contact(plain[lines[-1][0]:lines[-1][1]]):
        end = lines.pop()[0]
    return end


def _is_contact(line: str) -> bool:
    return bool(_CONTACT_LINE.search(line)) and len(line.strip()) <= 120


# "岗位3：电焊工（招聘5人）", "职位二：收银员", "3、电焊工（5人）" at a line's start.
_POST = re.compile(
    rf"^{_GAP}*(?:(?:招聘)?(?:岗位|职位)(?:名称)?{_GAP}*(?:\d{{1,3}}|[一二三四五六七八九十]{{1,3}}){_GAP}*[：:、.．]{_GAP}*"
    rf"(?P<name>[^\n（(]{{1,40}}?)(?:{_GAP}*[（(][^\n)）]{{0,20}}[)）]){{0,3}}"
    rf"|(?:\d{{1,3}}|[一二三四五六七八九十]{{1,3}}){_GAP}*[、.．]{_GAP}*(?P<counted>[^\n（(：:]{{2,30}}?){_GAP}*"
    rf"[（(](?:招聘)?{_GAP}*\d{{1,4}}{_GAP}*[人名][)）])"
    rf"{_GAP}*$",
    re.MULTILINE,
)


def find_posts(text: str | None) -> list[Post]:
    """The positions of a brochure listing two or more, each up to the next or to a blank line (where a brochure
    goes back to what is common to all, or to the posting's own text); ``[]`` for an ordinary posting."""
    if not text:
        return []
    plain, where = _plain(text)
    starts = [(m.start(), (m.group("name") or m.group("counted")).strip(" *_")) for m in _POST.finditer(plain)]
    if len(starts) < 2:
        return []
    posts = []
    for i, (start, name) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(plain)
        blank = _BLANK_LINE.search(plain, start, end)
        end = blank.start() if blank else end
        start, end = _trim(plain, start, end)
        posts.append(Post(name, where[start], where[end]))
    return posts


def find_sections(text: str | None) -> list[Section]:
    """The sections of a job description in order, covering all its non-blank text (see the module docstring)."""
    if not text or not text.strip():
        return []
    plain, where = _plain(text)
    headers = _headers(plain)
    spans: list[tuple[SectionKind, str, int, int, int]] = []  # kind, header, start, body start, end (plain)

    def loose(start: int, end: int) -> None:
        for kind, s, e in _split_company(plain, start, end):
            spans.append((kind, "", s, s, e))

    loose(0, headers[0].start if headers else len(plain))
    for i, h in enumerate(headers):
        end = headers[i + 1].start if i + 1 < len(headers) else len(plain)
        own = _trailing(plain, h.kind, h.body, end)
        spans.append((h.kind, h.word, h.start, h.body, own))
        if own < end:
            loose(own, end)
    sections = []
    for kind, header, start, body, end in spans:
        content = _clean_body(plain[body:end])
        if not content and not header:
            continue
        if not content:  # a header with nothing under it ("职位描述：" above "岗位职责：") is left out
            continue
        start, end = _trim(plain, start, end)
        sections.append(Section(kind, header, content, where[start], where[end]))
    return sections


def _trim(plain: str, start: int, end: int) -> tuple[int, int]:
    while start < end and plain[start].isspace():
        start += 1
    while end > start and plain[end - 1].isspace():
        end -= 1
    return start, end


_MARKUP_LEFT = re.compile(r"^(?:\s|\*\*|__|[】\]〗〕」』》：:])+|(?:\s|\*\*|__|[【\[〖〔「『《])+$")


def _clean_body(body: str) -> str:
    body = body.replace("**", "").replace("__", "")
    body = re.sub(r"[ \t\u3000\xa0]+", " ", body)
    body = re.sub(r"\s*\n\s*", "\n", body)
    return _MARKUP_LEFT.sub("", body).strip()


def section_texts(text: str | None) -> dict[SectionKind, str]:
    """Each kind's text, its sections' bodies joined in order."""
    out: dict[SectionKind, list[str]] = {}
    for s in find_sections(text):
        out.setdefault(s.kind, []).append(s.text)
    return {k: "\n".join(v) for k, v in out.items()}

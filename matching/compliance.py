"""岗位审核: compliance checks of a posting at submission.

Each check is a named rule (:data:`RULES`, from ``data/compliance/rules.yaml``: a stable English key, a Chinese
title and explanation, a severity, its legal basis) and reports the offending spans of the text, so a reviewer
sees them highlighted. The checks read plain data (:class:`PostingText`) and return plain data
(:class:`Finding`); nothing here blocks or stores anything: the service decides what a finding does.

Wording is read with patterns for the variants real postings use, each guarded against the negations that say
the opposite ("男女不限", "不限户籍", "无押金", "欢迎乙肝携带者"). ``python -m matching.compliance --report`` prints
each rule's precision and recall on the written corpus (``data/compliance/corpus.jsonl``).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

import yaml

from matching.postings import same_posting, shingles

DATA_DIR = Path(__file__).parent / "data" / "compliance"
SEVERITIES = ("block", "review", "note")
TEXT_FIELDS = ("title", "description", "requirements")


@dataclass(frozen=True)
class Basis:
    law: str
    article: str
    checked: bool
    note: str = ""

    def to_dict(self) -> dict:
        return {"law": self.law, "article": self.article, "checked": self.checked, "note": self.note}


@dataclass(frozen=True)
class Rule:
    key: str
    title: str
    severity: str
    explanation: str
    basis: tuple[Basis, ...]


@dataclass(frozen=True)
class Span:
    """Where the problem is: ``field`` of the posting and character offsets into it (``text`` is that slice)."""

    field: str
    start: int
    end: int
    text: str

    def to_dict(self) -> dict:
        return {"field": self.field, "start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    title: str
    detail: str
    spans: tuple[Span, ...] = ()
    basis: tuple[Basis, ...] = ()
    related_ids: tuple[int, ...] = ()

    def to_dict(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "title": self.title, "detail": self.detail,
                "spans": [s.to_dict() for s in self.spans], "basis": [b.to_dict() for b in self.basis],
                "related_ids": list(self.related_ids)}


@dataclass(frozen=True)
class PostingText:
    """What the checks read of a posting (a submission or a stored one)."""

    title: str
    description: str = ""
    requirements: str = ""
    address: str = ""
    region_code: str = ""
    salary_min: int | None = None
    salary_max: int | None = None
    age_min: int | None = None
    age_max: int | None = None
    work_type: str = "full_time"

    def fields(self) -> Iterator[tuple[str, str]]:
        for name in TEXT_FIELDS:
            yield name, getattr(self, name) or ""

    @property
    def text(self) -> str:
        return "\n".join(value for _, value in self.fields())


@dataclass(frozen=True)
class Published:
    """A published posting near the candidate (same employer, or same place), for the near-duplicate check."""

    id: int
    employer_id: int | None
    text: str


@cache
def _rules_document() -> dict:
    return yaml.safe_load((DATA_DIR / "rules.yaml").read_text(encoding="utf-8"))


@cache
def rules() -> dict[str, Rule]:
    doc = _rules_document()
    laws = doc["laws"]
    out = {}
    for key, r in doc["rules"].items():
        if r["severity"] not in SEVERITIES:
            raise ValueError(f"rules.yaml: {key}: unknown severity {r['severity']!r}")
        basis = tuple(Basis(law=laws[b["law"]], article=b["article"], checked=bool(b["checked"]),
                            note=b.get("note", "")) for b in r["basis"])
        out[key] = Rule(key=key, title=r["title"], severity=r["severity"], explanation=r["explanation"], basis=basis)
    return out


# --- minimum wages ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MinimumWage:
    region_code: str
    region_name: str
    monthly: float
    hourly: float
    status: str  # "official" (cited) or "example" (to be replaced by the deployment)


@dataclass(frozen=True)
class MinimumWages:
    """A per-region table: the longest region-code prefix that has a row applies (county, city, province)."""

    rows: dict[str, MinimumWage] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> MinimumWages:
        path = path or DATA_DIR / "minimum_wages.csv"
        with open(path, encoding="utf-8", newline="") as f:
            rows = {r["region_code"]: MinimumWage(region_code=r["region_code"], region_name=r["region_name"],
                                                  monthly=float(r["monthly"]), hourly=float(r["hourly"]),
                                                  status=r["status"]) for r in csv.DictReader(f)}
        return cls(rows)

    def for_region(self, region_code: str) -> MinimumWage | None:
        for n in (6, 4, 2):
            if len(region_code) >= n and region_code[:n] in self.rows:
                return self.rows[region_code[:n]]
        return None


@cache
def shipped_minimum_wages() -> MinimumWages:
    return MinimumWages.load()


@cache
def minimum_wages(path: Path | None = None) -> MinimumWages:
    """The deployment's table (read once per path), or the shipped example table for None."""
    return MinimumWages.load(path) if path is not None else shipped_minimum_wages()


# --- pattern helpers -------------------------------------------------------------------------------------

_NEG_BEFORE = re.compile(r"(不限|不论|不问|无论|不分|不要求|无要求|欢迎|接受|可以|谨防|警惕|严禁|拒绝|杜绝|反对|不得|禁止|无须|无需|不需|不用|不收|不收取|免|无|零|没有|绝不|不会|不存在|不涉及)\s*$")
_NEG_AFTER = re.compile(r"^\s*(?:[、，,/或和及与]\s*\S{1,6}?)?\s*(?:均可|皆可|都可|不限|均欢迎|都欢迎|均可报名|亦可|也可)")


def _guarded(text: str, m: re.Match, before: int = 6, after: int = 10, neg_before: re.Pattern = _NEG_BEFORE,
             neg_after: re.Pattern = _NEG_AFTER) -> bool:
    """True when the words just before or after the match negate it."""
    return bool(neg_before.search(text[max(0, m.start() - before):m.start()])
                or neg_after.search(text[m.end():m.end() + after]))


def _find(posting: PostingText, patterns: Sequence[re.Pattern], *, guard: Callable[[str, re.Match], bool] | None
          = _guarded) -> list[Span]:
    spans: list[Span] = []
    for name, text in posting.fields():
        taken: list[tuple[int, int]] = []
        for pattern in patterns:
            for m in pattern.finditer(text):
                if guard is not None and guard(text, m):
                    continue
                if any(m.start() < e and s < m.end() for s, e in taken):
                    continue
                taken.append((m.start(), m.end()))
                spans.append(Span(name, m.start(), m.end(), m.group(0)))
    return sorted(spans, key=lambda s: (TEXT_FIELDS.index(s.field), s.start))


def _finding(key: str, spans: Sequence[Span] = (), *, detail: str | None = None, severity: str | None = None,
             related_ids: Sequence[int] = ()) -> Finding:
    rule = rules()[key]
    return Finding(rule=key, severity=severity or rule.severity, title=rule.title,
                   detail=detail or rule.explanation, spans=tuple(spans), basis=rule.basis,
                   related_ids=tuple(related_ids))


def _c(*parts: str) -> list[re.Pattern]:
    return [re.compile(p) for p in parts]


_ROLES = ("服务员|普工|文员|前台|保安|司机|技工|操作工|员工|护工|保洁|营业员|导购|工人|会计|助理|老师|教师|护士|客服|主播|"
          "模特|销售|收银员|店员|厨师|学徒")
# one sex as a person: 男性, 女工, 女服务员, or a bare 男/女 ending there ("限男，"); not 女装, 男科, 女子监狱
_G = rf"(?:男|女)(?:性|士|生|工|的|同志|孩子|孩|{_ROLES}|(?=[\s，,。；;、:：)）(（\d/]|$))"
_NOT_BOTH = r"(?![男女]|\s*[/、和及或]\s*[男女])"  # "男女", "男/女" are both, not one
_DENY = r"(?:勿扰|免谈|不要|不招|不收|谢绝|免进|不予考虑|不考虑|不录用|不予录用|请绕道|除外|莫扰)"

GENDER = _c(
    rf"(?<![不无])(?:限|仅限|只限|只招|只收|只聘|仅聘|只要|仅招|仅收|仅要|要求|需|须|必须|最好是?|招)\s*(?:聘)?\s*[:：]?\s*{_G}{_NOT_BOTH}",
    rf"(?<![男女/、])(?:男|女)(?:性|士|生|工|的|孩子|孩|同志|同学)?\s*(?:优先|为主|为宜)",
    r"(?<![男女/、])(?:男|女)(?:性|士|生)\s*\d{2}\s*(?:[-—~～至到]\s*\d{2}\s*)?周?岁",
    rf"(?<![男女/、])(?:男|女)(?:性|士|生|同志)?(?:求职者)?\s*{_DENY}",
    rf"(?:不招|不要|不收|谢绝|拒收)\s*{_G}{_NOT_BOTH}",
    rf"性别\s*(?:要求)?\s*[:：]?\s*(?:限)?\s*(?:男|女)(?:性)?{_NOT_BOTH}(?!\s*不限|\s*均可)",
    r"(?:^|[，,。；;：:\s（(])(?:男|女)(?:性)?\s*[，,、]\s*(?:\d{2}\s*(?:[-—~～至到]|周?岁)|年龄|身高|未婚|已婚|形象|身体)",
    r"(?:适合|面向)\s*(?:男|女)(?:性|士|生)(?:从事)?(?!女|男)",
)
# 国家规定的不适合妇女的工种或者岗位 (女职工劳动保护特别规定 附录): a restriction to men there is for an officer to read.
_WOMEN_EXEMPT = re.compile(r"矿山井下|井下作业|井下|高处作业分级标准中规定的第四级|体力劳动强度分级标准中规定的第四级")

_ETHNIC = r"(?:少数民族|维吾尔族|维族|藏族|回族|彝族|蒙古族|壮族|苗族|哈萨克族|朝鲜族)"
ETHNICITY = _c(
    r"(?<![不无])(?:限|仅限|只限|只招|只要|要求|须|必须)\s*(?:为)?\s*汉族",
    r"(?:^|(?<=[，,、：:\s]))汉族(?=\s*[，,。；;、])",
    r"汉族\s*(?:人员)?\s*优先",
    rf"{_ETHNIC}\s*(?:人员|人|同胞)?\s*{_DENY}",
    rf"(?:不招|不要|不收|谢绝|拒收)\s*{_ETHNIC}",
)

RELIGION = _c(
    r"(?:要求|须|必须|需)?\s*(?:无|没有)\s*宗教信仰",
    r"不(?:信|信仰)\s*(?:宗教|教)(?:者|的)?(?:优先)?",
    r"(?:有|信仰|信)\s*(?:宗教信仰|宗教)(?:者|的|人员)?\s*" + _DENY,
    r"(?:穆斯林|基督徒|信教(?:者|人员|群众)?|佛教徒|天主教徒|伊斯兰教徒)\s*" + _DENY,
    r"(?:不招|不要|谢绝|拒收)\s*(?:穆斯林|基督徒|信教|佛教徒|宗教人士)",
    r"(?:限|仅限|只招|要求)\s*(?:基督徒|佛教徒|穆斯林|信徒)",
    r"(?:非|不是)\s*(?:信教|宗教)(?:人员|者|人士|群众)",
)

_PROVINCES = ("北京|天津|河北|山西|内蒙古?|辽宁|吉林|黑龙江|上海|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|广西|"
              "海南|重庆|四川|贵州|云南|西藏|陕西|甘肃|青海|宁夏|新疆|东北|潮汕|温州|外地|外省|外市|外县|农村|本地|本市|"
              "本省|本区|本县|当地|城镇|[\u4e00-\u9fff]{2}(?:省|市|县|区)")
_HUKOU = r"(?:户口|户籍|户藉)"
ORIGIN = _c(
    rf"(?<![不无])(?:限|仅限|只限|只招|只要|要求|需|须|必须|需要|需为)\s*(?:具有|是|为|持有)?\s*(?:{_PROVINCES})?\s*{_HUKOU}(?!所在地不限|不限)",
    rf"(?:{_PROVINCES})\s*{_HUKOU}\s*(?:者|人员)?\s*(?:优先|为限|才可|方可|{_DENY})",
    rf"(?<![不无])(?:限|仅限|只限|只招|只要|要求)\s*(?:{_PROVINCES})\s*(?:籍|人)(?:人员|人士)?",
    r"(?:本地|本市|本省|本区|本县|城镇|非农业?)\s*(?:户口|户籍)",
    rf"(?:{_PROVINCES})\s*(?:籍人员|籍人士|籍|人员|人士|人)\s*(?:{_DENY}|优先)",
    rf"(?:不招|不要|不收|谢绝|拒收)\s*(?:{_PROVINCES})\s*(?:籍|人|户口|户籍)",
    r"(?:非|不是)\s*(?:本地|本市|本省)\s*(?:户口|户籍|人)\s*" + _DENY,
    r"(?<![不无])(?:限|仅限)\s*[\u4e00-\u9fff]{2,4}籍",
)
# "可协助办理落户" is an offer, not a condition
_ORIGIN_OFFER = re.compile(r"(?:协助|帮助|办理|解决|可落|落户|迁入|入户)")

MARITAL = _c(
    r"已婚\s*已育",
    r"已婚(?:已育)?\s*(?:者|人士|人员)?\s*优先",
    r"(?<![不无])(?:限|仅限|要求|须|必须|需)\s*(?:已婚|未婚|已育|未育|单身)",
    r"(?<=[，,、：:])\s*(?:未婚|已婚|已育|未育)(?=\s*[，,。；;])",
    r"(?:未婚|单身|未育)\s*(?:者|人士|人员)?\s*优先",
    r"(?:[0-9一二两三四五]+)\s*年内\s*(?:不准|不能|不得|不可|不许|不|无|没有)\s*(?:生育|生孩子|要孩子|怀孕|生小孩|生二胎|育儿?)(?:计划)?",
    r"(?:不|无)(?:打算|准备|计划)?\s*(?:生育|生二胎|要二胎|要孩子|怀孕)(?:计划)?",
    r"(?:孕妇|怀孕|孕期|哺乳期|备孕)(?:者|人员|女性)?\s*" + _DENY,
    r"(?:已婚|未婚|离异)\s*(?:者|人员)?\s*" + _DENY,
    r"(?:已婚)?(?:未孕|未育|已孕|已育|有孩子|带孩子)\s*(?:者|人员|的)?\s*" + _DENY,
    r"(?:婚育|生育)\s*(?:情况|状况)?\s*[:：]\s*已(?:婚|育)",
)

HEPATITIS_B = _c(
    r"(?:乙肝|乙型肝炎|HBV|肝炎)\s*(?:病毒)?\s*(?:携带者|患者|阳性|病人)?\s*" + _DENY,
    r"(?:不招|不要|谢绝|拒收|拒绝)\s*(?:乙肝|乙型肝炎|肝炎)",
    r"(?:无|没有|非)\s*(?:乙肝|乙型肝炎)",
    r"乙肝(?:两对半|五项)\s*(?:检查)?\s*(?:阴性|正常|合格)?",
    r"(?:大|小)三阳",
    r"HBsAg\s*(?:阴性|检查)",
    r"乙肝\s*(?:检查|检测|指标)?\s*(?:阴性|合格|正常)",
)
_HEP_NEG = re.compile(r"(不限|欢迎|接受|不歧视|不查|不检查|不做|不检测|可以|也可|均可|不影响)\s*\S{0,3}$")


def _hep_guard(text: str, m: re.Match) -> bool:
    before = text[max(0, m.start() - 6):m.start()]
    after = text[m.end():m.end() + 8]
    return bool(_HEP_NEG.search(before) or re.match(r"^\s*(?:携带者)?\s*(?:可以|也可|均可|不限|欢迎|亦可|不影响)", after))


_FEE_WORDS = (r"(?:押金|保证金|服装费|工装费|工服费|培训费|体检费|报名费|介绍费|中介费|资料费|建档费|入职费|信息费|"
              r"办卡费|上岗费|制服费|工衣费|餐卡费|办证费|岗前费|管理费|材料费|手续费|入会费|门槛费|服装押金|住宿押金|床位押金|工牌费|保险费)")
FEES = _c(
    _FEE_WORDS,
    r"(?:先|需|须|要|需要|必须|统一)\s*(?:缴|交|缴纳|交纳|支付|付|垫付)\s*(?:一定|一笔|部分)?\s*(?:费用|钱|现金|[0-9]+\s*元)",
    r"(?:费用|体检|培训|服装|工装)\s*(?:由)?\s*(?:求职者|应聘者|个人|本人|员工)\s*(?:自理|承担|自付|负担|支付)",
    r"(?:自费|自理)\s*(?:体检|培训|服装|工装)",
    r"(?:体检|培训|服装|工装)\s*(?:费)?\s*(?:自费|自理)",
    r"先交钱",
)
_FEE_NEG_BEFORE = re.compile(r"(?:不收|不收取|无|免|免收|免除|不需|无需|不用|无须|不交|拒绝|谨防|警惕|严禁|杜绝|零|不存在|没有|绝不|不会)[^，,。；;！!]{0,6}$")
_FEE_NEG_AFTER = re.compile(r"^\s*(?:[^0-9，,。；;]{0,3})?\s*(?:由?(?:公司|单位|企业|我司|厂里|厂方)(?:全额)?(?:承担|报销|支付|出|负责|提供)|全免|全额报销|报销|免费|全包)|^\s*(?:台账|账目|核算|的?管理|登记|收退|收缴|催缴|代收|结算)")


# the employer pays ("公司承担员工考证的培训费"), or the posting warns against it ("如遇收取培训费…请举报")
_FEE_NOT_CHARGED = re.compile(r"(?:(?:公司|单位|企业|我司|厂里|厂方)[^。；;，,]{0,6}?(?:承担|报销|支付|负责|出|缴纳|购买|提供)|催缴|代收|如遇|如有|若遇|若有|如发现|"
                              r"一旦发现|凡是?|举报|投诉)[^。；;！!\n]{0,20}$")


def _fee_guard(text: str, m: re.Match) -> bool:
    return bool(_FEE_NEG_BEFORE.search(text[max(0, m.start() - 8):m.start()])
                or _FEE_NOT_CHARGED.search(text[max(0, m.start() - 24):m.start()])
                or _FEE_NEG_AFTER.search(text[m.end():m.end() + 10]))


FRAUD = _c(
    r"(?:无需|不需|不要|无|零)\s*(?:任何)?\s*(?:经验|基础|学历|门槛|技术)\S{0,8}(?:日入|日赚|日结|日薪|天赚|月入|月赚)\s*(?:过|上|超|轻松)?\s*(?:千|万|[0-9]{4,}|[1-9][0-9]{2,}\+?)",
    r"(?:日入|日赚|天赚)\s*(?:过|上|超|轻松)?\s*(?:千|万|[1-9][0-9]{3,})",
    r"(?:日赚|天赚)\s*(?:过|上|超|轻松)?\s*[1-9][0-9]{2,}",
    r"(?:轻松|躺着|在家|动动手指|手机)\s*(?:就能|就可|即可)?\s*(?:月入|日入|赚)\s*(?:过|上)?\s*(?:千|万|[0-9]{3,})",
    r"(?:日入|日赚|天赚|日结)\s*(?:过|上)?\s*[1-9][0-9]{2,}\s*元?\s*[，,]?\s*(?:无需|不需|零|无)\s*(?:任何)?\s*(?:经验|基础|门槛)",
    r"动动手指",
    r"拉人头|发展下线|发展会员|拉人入会|带人入会|入会费|团队计酬|层级返利|静态收益|动态收益|躺赚|资金盘",
    r"刷(?:单|信誉|好评|流水|销量|评|粉)|点赞员|做任务(?:赚|返)佣金|垫付(?:货款|资金|本金)?|先垫付",
    r"(?:高薪|日结|在家|兼职|手机)\s*(?:招聘)?\s*打字员|打字员\s*(?:日结|在家|高薪)",
    r"(?:高额|稳定|保底)\s*(?:回报|返利|收益)|投资\S{0,4}(?:回报|返利)",
    r"先交钱",
)
_FRAUD_NEG_BEFORE = re.compile(r"(不|无|拒绝|谨防|警惕|严禁|杜绝|打击|识别|防范|反|非|绝不|不会|不涉及|不存在)\S{0,2}$")


_FRAUD_TOPIC_AFTER = re.compile(r"^[^。；;]{0,8}?(?:诈骗|骗局|陷阱|套路)")


def _fraud_guard(text: str, m: re.Match) -> bool:
    """Not when negated ("严禁刷单") or when the words name a scam to warn about ("讲解刷单、网贷骗局")."""
    return bool(_FRAUD_NEG_BEFORE.search(text[max(0, m.start() - 5):m.start()])
                or _FRAUD_TOPIC_AFTER.search(text[m.end():m.end() + 10]))


# --- pay in the text ---------------------------------------------------------------------------------------

_NUM = r"([0-9]+(?:\.[0-9]+)?)\s*([kKwW千万]?)"
_RANGE = rf"{_NUM}(?:\s*(?:[-—~～至到]|－)\s*{_NUM})?"
PAY_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("hourly", re.compile(rf"(?:时薪|每小时|小时工资|小时薪资)\s*[:：]?\s*(?:约|为)?\s*{_RANGE}\s*(?:元)?")),
    ("hourly", re.compile(rf"{_RANGE}\s*(?:元|块)?\s*(?:/|每|一)\s*(?:小时|时|h|H)")),
    ("daily", re.compile(rf"(?:日薪|日结|日赚|日入|日工资)\s*(?:工资|薪资)?\s*[:：]?\s*(?:约|为)?\s*{_RANGE}\s*(?:元|块)?")),
    ("daily", re.compile(rf"(?:每天|一天|每日)\s*(?:工资|薪资)?\s*[:：]?\s*(?:约|为)?\s*{_RANGE}\s*(?:元|块)")),
    ("daily", re.compile(rf"{_RANGE}\s*(?:元|块)?\s*(?:/|每|一)\s*(?:天|日)")),
    ("base", re.compile(rf"(?:底薪|基本工资|保底|无责底薪|责任底薪)\s*[:：]?\s*(?:约|为)?\s*{_RANGE}\s*(?:元)?")),
    ("annual", re.compile(rf"年薪\s*[:：]?\s*(?:约|为)?\s*{_RANGE}\s*(?:元)?")),
    ("monthly", re.compile(rf"(?<![日时年])(?:月薪|月工资|月入|工资|薪资|薪酬|待遇|综合收入|月收入|到手)\s*[:：]?\s*(?:约|为|每月)?\s*{_RANGE}\s*(?:元)?(?!\s*(?:/|每|一)\s*(?:小时|时|天|日|年))")),
    ("monthly", re.compile(rf"{_RANGE}\s*(?:元|块)?\s*(?:/|每|一)\s*(?:月|个月)")),
)
_ANNUAL = re.compile(r"年薪")
_NOT_PAY = re.compile(r"(?:补|贴|奖|费|扣|罚|押金)[:：]?\s*$")  # 餐补每天20元, 交通补贴每月300元: allowances, not pay
NEGOTIABLE = re.compile(r"(?:薪资|工资|待遇|薪酬|月薪)?\s*(?:面议|面谈|详谈)")
DAYS_PER_MONTH = 21.75  # 月计薪天数 (the days a monthly wage is reckoned on)


def _amount(number: str, unit: str) -> float:
    value = float(number)
    if unit in ("k", "K", "千"):
        value *= 1000
    elif unit in ("w", "W", "万"):
        value *= 10_000
    return value


@dataclass(frozen=True)
class Pay:
    kind: str  # monthly, base, daily, hourly, annual
    low: float
    high: float
    span: Span


def pay_in_text(posting: PostingText) -> list[Pay]:
    """Pay the text states (月薪/底薪/日薪/时薪, ranges, 5k, 1.2万), each with its span."""
    found: list[Pay] = []
    for name, text in posting.fields():
        taken: list[tuple[int, int]] = []
        for kind, pattern in PAY_PATTERNS:
            for m in pattern.finditer(text):
                if any(m.start() < e and s < m.end() for s, e in taken):
                    continue
                if kind != "annual" and _ANNUAL.search(text[max(0, m.start() - 3):m.start()]):
                    continue
                if _NOT_PAY.search(text[max(0, m.start() - 4):m.start()]):
                    continue
                low = _amount(m.group(1), m.group(2) or (m.group(4) or ""))
                high = _amount(m.group(3), m.group(4) or m.group(2)) if m.group(3) else low
                if low <= 0 or high < low:
                    continue
                taken.append((m.start(), m.end()))
                found.append(Pay(kind, low, high, Span(name, m.start(), m.end(), m.group(0).strip())))
    return found


def _minimum_wage(posting: PostingText, table: MinimumWages) -> list[Finding]:
    wage = table.for_region(posting.region_code)
    if wage is None:
        return []
    tag = "（示例标准，待替换）" if wage.status == "example" else ""
    findings: list[Finding] = []
    part_time = posting.work_type in ("part_time", "hourly")
    for pay in pay_in_text(posting):
        if pay.kind == "hourly":
            if pay.high < wage.hourly:
                findings.append(_finding("minimum_wage", [pay.span], detail=(
                    f"时薪{pay.high:g}元低于{wage.region_name}小时最低工资标准{wage.hourly:g}元{tag}")))
        elif pay.kind == "daily":
            per_month = pay.high * DAYS_PER_MONTH
            if per_month < wage.monthly and not part_time:
                findings.append(_finding("minimum_wage", [pay.span], detail=(
                    f"日薪{pay.high:g}元按每月{DAYS_PER_MONTH:g}天折算约{per_month:.0f}元，低于{wage.region_name}"
                    f"月最低工资标准{wage.monthly:g}元{tag}")))
        elif pay.kind == "annual":
            if pay.high / 12 < wage.monthly and not part_time:
                findings.append(_finding("minimum_wage", [pay.span], detail=(
                    f"年薪{pay.high:g}元折合每月约{pay.high / 12:.0f}元，低于{wage.region_name}月最低工资标准"
                    f"{wage.monthly:g}元{tag}")))
        elif pay.high < wage.monthly and not part_time and pay.high >= 500:
            base = pay.kind == "base"
            findings.append(_finding("minimum_wage", [pay.span], severity="review" if base else None, detail=(
                f"{'底薪' if base else '月薪'}{pay.high:g}元低于{wage.region_name}月最低工资标准{wage.monthly:g}元{tag}"
                + ("；底薪加提成的，提成也计入工资，请核实正常工作时间的总收入" if base else ""))))
    top = posting.salary_max if posting.salary_max is not None else posting.salary_min
    if top is not None and not part_time and not findings and 0 < top < wage.monthly:
        name = "salary_max" if posting.salary_max is not None else "salary_min"
        findings.append(_finding("minimum_wage", [Span(name, 0, len(str(top)), str(top))], detail=(
            f"填写的最高月薪{top}元低于{wage.region_name}月最低工资标准{wage.monthly:g}元{tag}")))
    return findings


# --- age ---------------------------------------------------------------------------------------------------

AGE_UPPER = (
    re.compile(r"(?:年龄|年纪)?\s*(?:在)?\s*(\d{2})\s*(?:周?岁)?\s*(?:[-—~～至到]|－)\s*(\d{2})\s*周?岁"),
    re.compile(r"(?:年龄|年纪)\s*[:：]?\s*(?:在)?\s*(\d{2})\s*(?:[-—~～至到]|－)\s*(\d{2})(?!\d)"),
    re.compile(r"(?:年龄|年纪)?\s*(?:不超过|不大于|不高于|低于|小于|未满|限)\s*(\d{2})\s*周?岁"),
    re.compile(r"(\d{2})\s*周?岁\s*(?:以下|以内|之内|及以下|以内优先|以下优先)"),
    re.compile(r"(\d{2})后\s*(?:优先|为主|即可|最好|为宜)"),
)
AGE_LIMIT = 50  # 女职工 retire at 50: an upper limit under it needs a reason the post gives
_AGE_REASON = re.compile(r"(?:因|由于|需要|需|涉及|从事|适应)\S{0,12}(?:高空|登高|夜班|倒班|重体力|体力|井下|驾驶|搬运|"
                         r"户外|野外|消防|救援|保安|安保)|(?:高空|登高|井下|重体力)作业|国家规定|行业规定|法规要求")


def _age_upper(m: re.Match, year: int) -> int | None:
    text = m.group(0)
    groups = [g for g in m.groups() if g]
    if text.strip().endswith("后") or "后" in text and re.search(r"\d{2}后", text):
        born = int(groups[0])
        born += 1900 if born >= 30 else 2000
        return year - born + 10  # "90后": born 1990-1999, the oldest is this old
    return int(groups[-1])


def _clause(text: str, m: re.Match) -> str:
    """The clause a match stands in (between punctuation), as a reviewer would quote it."""
    start = max((text.rfind(p, 0, m.start()) for p in "，,。；;\n"), default=-1) + 1
    ends = [i for i in (text.find(p, m.end()) for p in "，,。；;\n") if i >= 0]
    return text[start:min(ends) if ends else len(text)].strip()


def _age(posting: PostingText, year: int) -> list[Finding]:
    spans: list[Span] = []
    uppers: list[int] = []
    for name, text in posting.fields():
        taken: list[tuple[int, int]] = []
        for pattern in AGE_UPPER:
            for m in pattern.finditer(text):
                if any(m.start() < e and s < m.end() for s, e in taken):
                    continue
                upper = _age_upper(m, year)
                if upper is None or not 16 <= upper < AGE_LIMIT:
                    continue
                taken.append((m.start(), m.end()))
                uppers.append(upper)
                spans.append(Span(name, m.start(), m.end(), m.group(0).strip()))
    if posting.age_max is not None and 16 <= posting.age_max < AGE_LIMIT:
        uppers.append(posting.age_max)
        spans.append(Span("age_max", 0, len(str(posting.age_max)), str(posting.age_max)))
    if not spans:
        return []
    text = posting.text
    reason = _AGE_REASON.search(text)
    detail = f"年龄上限{min(uppers)}岁低于{AGE_LIMIT}岁，"
    detail += f"岗位写明的理由：“{_clause(text, reason)}”，请经办人员判断是否必要" if reason else \
        "岗位没有写明理由：确有需要的请写明（如高空、井下、重体力作业），否则请放宽"
    return [_finding("age", spans, detail=detail)]


# --- missing facts -----------------------------------------------------------------------------------------

_PLACE = re.compile(r"(?:工作)?(?:地址|地点)\s*(?:[:：]|在|位于|是|为)|位于|坐落|[\u4e00-\u9fff]{1,8}(?:路|街|大道|巷|弄)\s*[0-9一二三四五六七八九十]+号"
                    r"|[\u4e00-\u9fff]{2,8}(?:工业园|产业园|园区|开发区|科技园|开发园|基地|厂区|写字楼|镇|乡|村|小区|广场|大厦|中心|市场|商场)")
_DUTIES = re.compile(r"负责|职责|工作内容|从事|协助|操作|维护|管理|销售|接待|打扫|清洁|保洁|驾驶|配送|送餐|搬运|装卸|"
                     r"包装|分拣|制作|加工|安装|维修|巡逻|看护|照顾|护理|教学|辅导|录入|整理|编写|开发|设计|测试|"
                     r"运营|策划|服务|收银|理货|烹饪|炒菜|做饭|缝纫|焊接|种植|养殖|采摘|装配|检验|质检|仓储|拣货|客服|"
                     r"讲解|带班|培训学员|施工|砌|贴砖|油漆|喂|巡检|值守|收发|记账|核算|审核|翻译|拍摄|剪辑|主持")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _missing(posting: PostingText) -> list[Finding]:
    findings = []
    if posting.salary_min is None and posting.salary_max is None and not pay_in_text(posting):
        nego = NEGOTIABLE.search(posting.text)
        if nego:
            findings.append(_finding("missing_pay", [s for s in _find(posting, [NEGOTIABLE], guard=None)][:1],
                                     severity="note", detail="只写了“面议”，没有工资范围：请填写月薪范围，便于求职者比较"))
        else:
            findings.append(_finding("missing_pay", detail="没有填写工资范围，描述中也没有写明工资"))
    if not (posting.address or "").strip() and not _PLACE.search(posting.text):
        findings.append(_finding("missing_place", detail="没有填写详细地址，描述中也没有写明工作地点"))
    body = (posting.description or "") + (posting.requirements or "")
    if len(_CJK.findall(body)) < 4 or not _DUTIES.search(posting.title + body):
        findings.append(_finding("missing_duties", detail="岗位描述过短或没有说明具体做什么：请写明主要工作内容"))
    return findings


# --- near-duplicates ---------------------------------------------------------------------------------------


# Copies show in their first part: comparing the first 2,000 characters keeps each cached entry small (a batch
# compares many postings with the same published ones; 512 entries hold a batch's employer and county lists).
NEAR_DUPLICATE_CHARS = 2000


@lru_cache(maxsize=512)
def _shingles(text: str) -> frozenset[str]:
    return shingles(text[:NEAR_DUPLICATE_CHARS])


def near_duplicates(text: str, nearby: Callable[[str], Iterable[Published]], *, employer_id: int | None,
                    exclude_id: int | None = None) -> list[Finding]:
    """Postings already published that say the same thing (:func:`matching.postings.same_posting` on shingles):
    ``nearby(text)`` gives the candidates (by place, employer, or vector; the caller's choice)."""
    mine = _shingles(text)
    same_employer: list[int] = []
    others: list[int] = []
    for other in nearby(text):
        if exclude_id is not None and other.id == exclude_id:
            continue
        if same_posting(mine, _shingles(other.text)):
            (same_employer if employer_id is not None and other.employer_id == employer_id else others).append(other.id)
    findings = []
    if same_employer:
        ids = sorted(same_employer)
        findings.append(_finding("near_duplicate", related_ids=ids, detail=(
            f"与本单位已发布的岗位（编号{'、'.join(map(str, ids[:5]))}）几乎相同：请勿重复发布，可修改招聘人数或有效期")))
    if others:
        ids = sorted(others)
        findings.append(_finding("near_duplicate", severity="note", related_ids=ids, detail=(
            f"与其他单位已发布的岗位（编号{'、'.join(map(str, ids[:5]))}）几乎相同：请核实是否冒用或转载")))
    return findings


# --- all checks --------------------------------------------------------------------------------------------

_PHRASE_RULES: tuple[tuple[str, Sequence[re.Pattern], Callable | None], ...] = (
    ("ethnicity", ETHNICITY, _guarded),
    ("religion", RELIGION, _guarded),
    ("marital", MARITAL, _guarded),
    ("hepatitis_b", HEPATITIS_B, _hep_guard),
    ("fees", FEES, _fee_guard),
    ("fraud", FRAUD, _fraud_guard),
)


def _origin_guard(text: str, m: re.Match) -> bool:
    return _guarded(text, m) or bool(_ORIGIN_OFFER.search(text[max(0, m.start() - 4):m.end() + 2]))


_SEX_AGE = {sex: re.compile(sex + r"\s*(?:性|士)?\s*[，,]?\s*(?:年龄)?\s*\d{2}") for sex in "男女"}


def _gender_guard(text: str, m: re.Match) -> bool:
    """Negated, or an age limit for each sex side by side ("女55岁以下，男60岁以下": the retirement ages, not a
    restriction to one sex)."""
    around = text[max(0, m.start() - 14):m.end() + 14]
    return _guarded(text, m) or all(pattern.search(around) for pattern in _SEX_AGE.values())


def check(posting: PostingText, *, minimum_wages: MinimumWages | None = None,
          nearby: Callable[[str], Iterable[Published]] | None = None, employer_id: int | None = None,
          exclude_id: int | None = None, year: int | None = None) -> list[Finding]:
    """Every finding on one posting, most severe first (block, review, note), each rule at most once per
    severity. ``nearby`` (optional) gives published postings for the near-duplicate check; ``year`` (default
    this year) reads "90后" as an age."""
    findings: list[Finding] = []
    spans = _find(posting, GENDER, guard=_gender_guard)
    if spans:
        exempt = _WOMEN_EXEMPT.search(posting.text)
        findings.append(_finding("gender", spans, severity="review" if exempt else None, detail=(
            f"岗位提到“{exempt.group(0)}”：属于国家规定不适合妇女的岗位的，可以限定；请经办人员核实" if exempt else None)))
    spans = _find(posting, ORIGIN, guard=_origin_guard)
    if spans:
        findings.append(_finding("origin", spans))
    for key, patterns, guard in _PHRASE_RULES:
        spans = _find(posting, patterns, guard=guard)
        if spans:
            findings.append(_finding(key, spans))
    findings += _age(posting, year if year is not None else date.today().year)
    findings += _minimum_wage(posting, minimum_wages if minimum_wages is not None else shipped_minimum_wages())
    findings += _missing(posting)
    if nearby is not None:
        findings += near_duplicates(posting.text, nearby, employer_id=employer_id, exclude_id=exclude_id)
    return sorted(_merge(findings), key=lambda f: SEVERITIES.index(f.severity))


def _merge(findings: list[Finding]) -> list[Finding]:
    """One finding per (rule, severity): spans and details of the same rule together."""
    merged: dict[tuple[str, str], Finding] = {}
    for f in findings:
        key = (f.rule, f.severity)
        if key in merged and f.rule != "near_duplicate":
            prev = merged[key]
            detail = prev.detail if f.detail == prev.detail else f"{prev.detail}；{f.detail}"
            merged[key] = Finding(prev.rule, prev.severity, prev.title, detail, prev.spans + f.spans, prev.basis,
                                  prev.related_ids + f.related_ids)
        else:
            merged.setdefault(key, f)
    return list(merged.values())


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "block"]


# --- the corpus and its report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    id: str
    posting: PostingText
    fires: frozenset[str]
    not_fires: frozenset[str]
    published: tuple[Published, ...] = ()
    employer_id: int | None = None


def load_corpus(path: Path | None = None) -> list[Example]:
    out = []
    with open(path or DATA_DIR / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            p = row["posting"]
            out.append(Example(
                id=row["id"], posting=PostingText(**p), fires=frozenset(row.get("fires", ())),
                not_fires=frozenset(row.get("not_fires", ())), employer_id=row.get("employer_id"),
                published=tuple(Published(**x) for x in row.get("published", ()))))
    return out


def run_example(example: Example, minimum_wages: MinimumWages | None = None) -> set[str]:
    nearby = (lambda _text: example.published) if example.published else None
    return {f.rule for f in check(example.posting, minimum_wages=minimum_wages, nearby=nearby,
                                  employer_id=example.employer_id)}


@dataclass
class RuleScore:
    rule: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0  # a "must not fire" that did not

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def score(corpus: Sequence[Example], minimum_wages: MinimumWages | None = None) -> dict[str, RuleScore]:
    """Per rule: a fire expected and seen (tp), seen where the example says it must not fire (fp), expected and
    not seen (fn). A rule an example names neither way is not counted for that example."""
    scores = {key: RuleScore(key) for key in rules()}
    for ex in corpus:
        fired = run_example(ex, minimum_wages)
        for key, s in scores.items():
            if key in ex.fires:
                s.tp += key in fired
                s.fn += key not in fired
            elif key in ex.not_fires:
                s.fp += key in fired
                s.tn += key not in fired
    return scores


def report(corpus: Sequence[Example] | None = None) -> str:
    corpus = corpus if corpus is not None else load_corpus()
    scores = score(corpus)
    lines = [f"{len(corpus)} examples; per rule: expected fires, must-not-fires, precision, recall",
             f"{'rule':<16}{'fires':>6}{'not':>6}{'tp':>5}{'fp':>5}{'fn':>5}{'precision':>11}{'recall':>8}"]
    for key, s in scores.items():
        lines.append(f"{key:<16}{s.tp + s.fn:>6}{s.fp + s.tn:>6}{s.tp:>5}{s.fp:>5}{s.fn:>5}"
                     f"{s.precision:>11.3f}{s.recall:>8.3f}")
    return "\n".join(lines)


def _main(argv: Sequence[str]) -> int:
    if "--report" in argv:
        print(report())
        return 0
    if "--misses" in argv:
        for ex in load_corpus():
            fired = run_example(ex)
            missed, wrong = ex.fires - fired, ex.not_fires & fired
            if missed or wrong:
                print(ex.id, "missed:", sorted(missed), "wrong:", sorted(wrong), ex.posting.text.replace("\n", " / "))
        return 0
    print("usage: python -m matching.compliance --report | --misses", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))

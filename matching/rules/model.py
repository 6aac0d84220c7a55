"""The policy engine's types: facts in, rules, outcomes out (see :mod:`matching.rules`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path


from matching.enums import (
    Education,
    FlagKind,
    Hukou,
    Ownership,
    SizeClass,
    WorkType,
)

RULES_DIR = Path(__file__).resolve().parents[1] / "policies" / "rules"

OWNERSHIP_LABELS = {
    Ownership.private: "民营",
    Ownership.state: "国有",
    Ownership.foreign: "外资",
    Ownership.public_institution: "机关事业单位",
    Ownership.other: "其他",
}
HUKOU_LABELS = {Hukou.urban: "城镇", Hukou.rural: "农村"}


class RuleFileError(ValueError):
    """A rule file that cannot be trusted; the message reads ``<file>:<line>: <what is wrong>``."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        self.path = str(path)
        self.line = line
        super().__init__(f"{path}:{line}: {message}")


class Pays(StrEnum):
    """Who receives the money (补贴对象)."""

    employer = "employer"
    seeker = "seeker"
    agency = "agency"  # 人力资源服务机构


class AppliesTo(StrEnum):
    """What a rule is evaluated on."""

    seeker = "seeker"  # the seeker's own situation
    employer = "employer"  # the employer's own situation
    hire = "hire"  # a hire of this seeker by this employer


class Unit(StrEnum):
    per_person = "per_person"  # 每人 (one hire, one seeker)
    per_person_per_day = "per_person_per_day"  # 每人每天
    per_employer = "per_employer"  # 每户企业


UNIT_LABELS = {Unit.per_person: "元/人", Unit.per_person_per_day: "元/人/天", Unit.per_employer: "元/户"}


# ---------------------------------------------------------------- facts in


@dataclass(frozen=True)
class SeekerPolicyFacts:
    """What the engine may know about a seeker. ``None`` means unknown, which never meets a condition.

    ``months_since_graduation`` is negative for a student who has not yet graduated (在校生);
    ``months_unemployed`` is ``None`` when the seeker is not registered unemployed (登记失业).
    ``already_claimed`` maps rule id → yuan this person has already received under that rule.
    """

    age: int | None = None
    active_flags: frozenset[FlagKind] = frozenset()
    months_since_graduation: int | None = None
    months_unemployed: int | None = None
    hukou: Hukou | None = None
    education: Education | None = None
    region_code: str = ""
    business_founder: bool | None = None  # 已创办经营实体/个体经营
    first_business: bool | None = None  # 首次创业
    months_in_business: int | None = None  # 正常经营月数
    partnership: bool | None = None  # 合伙创业或组织起来共同创业
    already_claimed: Mapping[str, Decimal | int] = field(default_factory=dict)


@dataclass(frozen=True)
class EmployerPolicyFacts:
    """``already_claimed`` maps rule id → yuan the employer has already received under it (for caps)."""

    size_class: SizeClass | None = None
    ownership: Ownership | None = None
    region_code: str = ""
    already_claimed: Mapping[str, Decimal | int] = field(default_factory=dict)
    employees: int | None = None  # 在职职工总数


@dataclass(frozen=True)
class HireFacts:
    contract_months: int | None = None
    social_insurance: bool | None = None
    work_type: WorkType | None = None
    monthly_wage: Decimal | int | None = None


# ---------------------------------------------------------------- outcomes out


@dataclass(frozen=True)
class ConditionResult:
    key: str  # stable, e.g. "hire.contract_months"
    label_zh: str  # the condition, e.g. "劳动合同期限不少于12个月"
    met: bool
    detail: str  # the fact it was checked against, e.g. "11个月"


@dataclass(frozen=True)
class Source:
    file: str  # policy document file name
    title: str
    clause: str  # item or clause in that document
    quote: str  # the key sentence, verbatim


@dataclass(frozen=True)
class RuleOutcome:
    rule_id: str
    name: str
    pays: Pays
    applies: bool  # every condition met
    amount_yuan: Decimal | None  # after caps; None where the document gives no computable sum
    amount_text: str  # the amount in words, always present
    conditions: tuple[ConditionResult, ...]
    source: Source
    to_verify: tuple[str, ...] = ()  # for the officer: conditions no fact here decides
    region_code: str = ""


# ---------------------------------------------------------------- rules


@dataclass(frozen=True)
class Range:
    min: Decimal | None = None
    max: Decimal | None = None


@dataclass(frozen=True)
class SeekerConditions:
    label_zh: str = ""  # names a branch of any_of, e.g. "离校2年内未就业高校毕业生"
    flags_any_of: frozenset[FlagKind] = frozenset()
    flags_all_of: frozenset[FlagKind] = frozenset()
    age: Range | None = None
    months_since_graduation: Range | None = None
    months_unemployed: Range | None = None
    months_in_business: Range | None = None
    hukou: frozenset[Hukou] | None = None
    education: tuple[Education | None, Education | None] | None = None  # (min, max)
    business_founder: bool | None = None
    first_business: bool | None = None
    partnership: bool | None = None
    any_of: tuple[SeekerConditions, ...] = ()


@dataclass(frozen=True)
class EmployerConditions:
    size_class: frozenset[SizeClass] | None = None
    ownership: frozenset[Ownership] | None = None
    employees: Range | None = None


@dataclass(frozen=True)
class HireConditions:
    contract_months: Range | None = None
    social_insurance: bool | None = None
    work_type: frozenset[WorkType] | None = None


@dataclass(frozen=True)
class Amount:
    unit: Unit = Unit.per_person
    fixed_yuan: Decimal | None = None
    min_yuan: Decimal | None = None
    max_yuan: Decimal | None = None  # 最高 N 元 (or a range with min_yuan)
    monthly_yuan: Decimal | None = None
    months: int | None = None
    percent_of_minimum_wage: Decimal | None = None  # monthly, × months when given
    percent: Decimal | None = None  # of base_zh, a sum the engine does not know
    base_zh: str = ""
    loan_ceiling_yuan: Decimal | None = None  # 贷款额度, not a payment
    per_employer_cap_yuan: Decimal | None = None
    per_person_cap_yuan: Decimal | None = None
    once_per_person: bool = False
    description_zh: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    pays: Pays
    applies_to: AppliesTo
    amount: Amount
    valid_from: date
    valid_until: date | None
    source: Source
    region_code: str
    region_name: str
    minimum_wage_yuan: Decimal | None
    seeker: SeekerConditions = SeekerConditions()
    employer: EmployerConditions = EmployerConditions()
    hire: HireConditions = HireConditions()
    to_verify: tuple[str, ...] = ()
    note: str = ""
    file: str = ""
    line: int = 0

    @property
    def region_prefix(self) -> str:
        return region_prefix(self.region_code)


def region_prefix(code: str) -> str:
    """GB/T 2260: trailing ``00`` pairs mean "the whole province/city": 220000 → 22, 130900 → 1309."""
    prefix = code
    while prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]

    def for_region(self, region_code: str) -> tuple[Rule, ...]:
        """The rules whose region contains this one (remembered per region: rules never change once loaded)."""
        found = self._by_region.get(region_code)
        if found is None:
            found = self._by_region[region_code] = tuple(r for r in self.rules if region_code.startswith(r.region_prefix))
        return found

    @property
    def _by_region(self) -> dict[str, tuple[Rule, ...]]:
        return self.__dict__.setdefault("_region_cache", {})

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


# ================================================================ loading

"""Policy engine: employment subsidies and measures (就业补贴政策) as data, evaluated against facts.

Each deployment region has one YAML file under ``matching/policies/rules/`` (format: docs/policy-rules.md).
A file's rules apply where a seeker's or employer's region code starts with the file's region prefix
(``510115`` 温江区; ``220000`` → ``22`` 吉林省; ``000000`` → every region), so a county file and a
provincial file can both apply to one place.

Three questions, all pure functions over plain dataclasses:

* ``evaluate_seeker``  — measures a seeker can claim on their own (创业补贴, 创业担保贷款 …);
* ``evaluate_employer`` — measures an employer can claim on its own (稳岗返还 …);
* ``evaluate_hire``    — measures a given hire would trigger (吸纳就业补贴, 见习补贴 …),
  and ``unlocked_by_hire`` — what hiring this seeker would bring the employer (政策找人).

Every outcome lists each condition, met or not, with a Chinese label, so a page can say why.
Conditions that no fact here can decide (``to_verify``: "生活困难", "稳定就业" …) are listed for the
officer and never counted as met or unmet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from matching.enums import (
    EDUCATION_LABELS,
    FLAG_LABELS,
    SIZE_CLASS_LABELS,
    WORK_TYPE_LABELS,
    Education,
    FlagKind,
    Hukou,
    Ownership,
    SizeClass,
    WorkType,
)

RULES_DIR = Path(__file__).parent / "policies" / "rules"

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


class _Map(dict):
    """A YAML mapping that remembers the line of itself and of each key (1-based)."""

    line: int
    lines: dict[Any, int]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    result = _Map()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.MarkedYAMLError(
                problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_REGION = re.compile(r"^\d{6}$")


class _File:
    """Validation helpers bound to one file, so every error names it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, line: int, message: str) -> RuleFileError:
        return RuleFileError(self.path, line, message)

    def mapping(self, value: Any, line: int, where: str) -> _Map:
        if not isinstance(value, _Map):
            raise self.error(line, f"{where} must be a mapping")
        return value

    def fields(self, m: _Map, where: str, allowed: Iterable[str], required: Iterable[str] = ()) -> None:
        allowed = set(allowed)
        for key in m:
            if key not in allowed:
                raise self.error(m.lines[key], f"unknown field {key!r} in {where} (allowed: {', '.join(sorted(allowed))})")
        for key in required:
            if key not in m or m[key] is None:
                raise self.error(m.line, f"{where} is missing required field {key!r}")

    def text(self, m: _Map, key: str, where: str, *, required: bool = True) -> str:
        value = m.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.error(m.lines.get(key, m.line), f"{where}.{key} must be non-empty text")
        return value.strip()

    def number(self, m: _Map, key: str, where: str) -> Decimal | None:
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(m.lines[key], f"{where}.{key} must be a number, got {value!r}")
        number = Decimal(str(value))
        if number < 0:
            raise self.error(m.lines[key], f"{where}.{key} must not be negative, got {value}")
        return number

    def percent(self, m: _Map, key: str, where: str) -> Decimal | None:
        number = self.number(m, key, where)
        if number is not None and number > 100:
            raise self.error(m.lines[key], f"{where}.{key} is a percentage and cannot exceed 100, got {number}")
        return number

    def whole(self, m: _Map, key: str, where: str, *, positive: bool = False) -> int | None:
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or (positive and value <= 0):
            kind = "a positive whole number" if positive else "a whole number"
            raise self.error(m.lines[key], f"{where}.{key} must be {kind}, got {value!r}")
        return value

    def boolean(self, m: _Map, key: str, where: str) -> bool | None:
        value = m.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self.error(m.lines[key], f"{where}.{key} must be true or false, got {value!r}")
        return value

    def day(self, m: _Map, key: str, where: str) -> date | None:
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise self.error(m.lines[key], f"{where}.{key} must be a date YYYY-MM-DD, got {value!r}") from None

    def range(self, m: _Map, key: str, where: str, *, allow_negative: bool = False) -> Range | None:
        value = m.get(key)
        if value is None:
            return None
        line = m.lines[key]
        if isinstance(value, bool) or isinstance(value, (int, float)):
            raise self.error(line, f"{where}.{key} must be a range like {{min: 6}} or {{max: 24}}, got {value!r}")
        r = self.mapping(value, line, f"{where}.{key}")
        self.fields(r, f"{where}.{key}", ("min", "max"))
        bounds = []
        for bound in ("min", "max"):
            raw = r.get(bound)
            if raw is None:
                bounds.append(None)
                continue
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                raise self.error(r.lines[bound], f"{where}.{key}.{bound} must be a number, got {raw!r}")
            if raw < 0 and not allow_negative:
                raise self.error(r.lines[bound], f"{where}.{key}.{bound} must not be negative, got {raw}")
            bounds.append(Decimal(str(raw)))
        low, high = bounds
        if low is None and high is None:
            raise self.error(line, f"{where}.{key} needs min, max or both")
        if low is not None and high is not None and low > high:
            raise self.error(line, f"{where}.{key} can never be met: min {low} > max {high}")
        return Range(low, high)

    def members(self, m: _Map, key: str, where: str, enum: type[StrEnum]) -> frozenset | None:
        value = m.get(key)
        if value is None:
            return None
        line = m.lines[key]
        items = value if isinstance(value, list) else None
        if not items:
            raise self.error(line, f"{where}.{key} must be a non-empty list of: {', '.join(e.value for e in enum)}")
        out = set()
        for item in items:
            try:
                out.add(enum(item))
            except ValueError:
                kind = "flag kind" if enum is FlagKind else "value"
                raise self.error(
                    line, f"unknown {kind} {item!r} in {where}.{key} (known: {', '.join(e.value for e in enum)})"
                ) from None
        return frozenset(out)

    def choice(self, m: _Map, key: str, where: str, enum: type[StrEnum]) -> Any:
        value = m.get(key)
        try:
            return enum(value)
        except ValueError:
            raise self.error(
                m.lines.get(key, m.line), f"{where}.{key} must be one of: {', '.join(e.value for e in enum)}; got {value!r}"
            ) from None


_SEEKER_FIELDS = (
    "label_zh", "flags", "age", "months_since_graduation", "months_unemployed", "months_in_business",
    "hukou", "education", "business_founder", "first_business", "partnership", "any_of",
)  # fmt: skip


def _seeker_conditions(f: _File, m: _Map, where: str, *, branch: bool = False) -> SeekerConditions:
    allowed = [k for k in _SEEKER_FIELDS if k != "any_of"] if branch else [k for k in _SEEKER_FIELDS if k != "label_zh"]
    f.fields(m, where, allowed, ("label_zh",) if branch else ())
    any_of_flags = all_of_flags = frozenset()
    if "flags" in m:
        flags = f.mapping(m["flags"], m.lines["flags"], f"{where}.flags")
        f.fields(flags, f"{where}.flags", ("any_of", "all_of"))
        if not flags:
            raise f.error(flags.line, f"{where}.flags needs any_of or all_of")
        any_of_flags = f.members(flags, "any_of", f"{where}.flags", FlagKind) or frozenset()
        all_of_flags = f.members(flags, "all_of", f"{where}.flags", FlagKind) or frozenset()
    education = None
    if "education" in m:
        edu = f.mapping(m["education"], m.lines["education"], f"{where}.education")
        f.fields(edu, f"{where}.education", ("min", "max"))
        low = f.choice(edu, "min", f"{where}.education", Education) if "min" in edu else None
        high = f.choice(edu, "max", f"{where}.education", Education) if "max" in edu else None
        if low is None and high is None:
            raise f.error(edu.line, f"{where}.education needs min, max or both")
        if low is not None and high is not None and low.rank > high.rank:
            raise f.error(edu.line, f"{where}.education can never be met: min {low} is above max {high}")
        education = (low, high)
    branches: tuple[SeekerConditions, ...] = ()
    if "any_of" in m:
        raw = m["any_of"]
        if not isinstance(raw, list) or len(raw) < 2:
            raise f.error(m.lines["any_of"], f"{where}.any_of must list at least two alternatives")
        branches = tuple(
            _seeker_conditions(f, f.mapping(b, m.lines["any_of"], f"{where}.any_of[{i}]"), f"{where}.any_of[{i}]", branch=True)
            for i, b in enumerate(raw)
        )
    return SeekerConditions(
        label_zh=f.text(m, "label_zh", where, required=False),
        flags_any_of=any_of_flags,
        flags_all_of=all_of_flags,
        age=f.range(m, "age", where),
        months_since_graduation=f.range(m, "months_since_graduation", where, allow_negative=True),
        months_unemployed=f.range(m, "months_unemployed", where),
        months_in_business=f.range(m, "months_in_business", where),
        hukou=f.members(m, "hukou", where, Hukou),
        education=education,
        business_founder=f.boolean(m, "business_founder", where),
        first_business=f.boolean(m, "first_business", where),
        partnership=f.boolean(m, "partnership", where),
        any_of=branches,
    )


def _employer_conditions(f: _File, m: _Map, where: str) -> EmployerConditions:
    f.fields(m, where, ("size_class", "ownership", "employees"))
    return EmployerConditions(
        size_class=f.members(m, "size_class", where, SizeClass),
        ownership=f.members(m, "ownership", where, Ownership),
        employees=f.range(m, "employees", where),
    )


def _hire_conditions(f: _File, m: _Map, where: str) -> HireConditions:
    f.fields(m, where, ("contract_months", "social_insurance", "work_type"))
    return HireConditions(
        contract_months=f.range(m, "contract_months", where),
        social_insurance=f.boolean(m, "social_insurance", where),
        work_type=f.members(m, "work_type", where, WorkType),
    )


_AMOUNT_FORMS = ("fixed_yuan", "max_yuan", "monthly_yuan", "percent_of_minimum_wage", "percent", "loan_ceiling_yuan")


def _amount(f: _File, m: _Map, where: str, minimum_wage: Decimal | None) -> Amount:
    f.fields(
        m,
        where,
        (*_AMOUNT_FORMS, "min_yuan", "months", "base_zh", "unit", "per_employer_cap_yuan", "per_person_cap_yuan",
         "once_per_person", "description_zh"),
    )  # fmt: skip
    forms = [k for k in _AMOUNT_FORMS if k in m]
    if len(forms) > 1:
        raise f.error(m.lines[forms[1]], f"{where} has both {forms[0]!r} and {forms[1]!r}; give one kind of amount")
    if not forms and not m.get("description_zh"):
        raise f.error(m.line, f"{where} needs an amount ({', '.join(_AMOUNT_FORMS)}) or a description_zh")
    amount = Amount(
        unit=f.choice(m, "unit", where, Unit) if "unit" in m else Unit.per_person,
        fixed_yuan=f.number(m, "fixed_yuan", where),
        min_yuan=f.number(m, "min_yuan", where),
        max_yuan=f.number(m, "max_yuan", where),
        monthly_yuan=f.number(m, "monthly_yuan", where),
        months=f.whole(m, "months", where, positive=True),
        percent_of_minimum_wage=f.percent(m, "percent_of_minimum_wage", where),
        percent=f.percent(m, "percent", where),
        base_zh=f.text(m, "base_zh", where, required=False),
        loan_ceiling_yuan=f.number(m, "loan_ceiling_yuan", where),
        per_employer_cap_yuan=f.number(m, "per_employer_cap_yuan", where),
        per_person_cap_yuan=f.number(m, "per_person_cap_yuan", where),
        once_per_person=bool(f.boolean(m, "once_per_person", where)),
        description_zh=f.text(m, "description_zh", where, required=False),
    )
    if amount.min_yuan is not None:
        if amount.max_yuan is None:
            raise f.error(m.lines["min_yuan"], f"{where}.min_yuan needs max_yuan (a range min–max)")
        if amount.min_yuan > amount.max_yuan:
            raise f.error(m.lines["min_yuan"], f"{where}: min_yuan {amount.min_yuan} > max_yuan {amount.max_yuan}")
    if amount.monthly_yuan is not None and amount.months is None:
        raise f.error(m.lines["monthly_yuan"], f"{where}.monthly_yuan needs months")
    if amount.months is not None and amount.monthly_yuan is None and amount.percent_of_minimum_wage is None:
        raise f.error(m.lines["months"], f"{where}.months only goes with monthly_yuan or percent_of_minimum_wage")
    if amount.percent is not None and not amount.base_zh:
        raise f.error(m.lines["percent"], f"{where}.percent needs base_zh: what it is a percentage of")
    if amount.percent_of_minimum_wage is not None and minimum_wage is None:
        raise f.error(
            m.lines["percent_of_minimum_wage"],
            f"{where}.percent_of_minimum_wage needs the region's minimum_wage in the file header",
        )
    numeric = amount.fixed_yuan is not None or amount.max_yuan is not None or amount.monthly_yuan is not None
    numeric = numeric or amount.percent_of_minimum_wage is not None
    for cap in ("per_employer_cap_yuan", "per_person_cap_yuan"):
        if cap in m and not numeric:
            raise f.error(m.lines[cap], f"{where}.{cap} needs an amount in yuan to cap")
    return amount


_HEADER_FIELDS = ("region", "minimum_wage", "document", "valid_from", "valid_until", "rules")
_RULE_FIELDS = (
    "id", "name", "pays", "applies_to", "seeker", "employer", "hire", "amount",
    "valid_from", "valid_until", "source", "to_verify", "note",
)  # fmt: skip


def _rule(f: _File, m: _Map, header: dict[str, Any]) -> Rule:
    f.fields(m, "rule", _RULE_FIELDS, ("id", "name", "pays", "applies_to", "amount", "source"))
    rule_id = m["id"]
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise f.error(m.lines["id"], f"rule id must be lowercase letters, digits and '-', got {rule_id!r}")
    where = f"rule {rule_id!r}"
    applies_to = f.choice(m, "applies_to", where, AppliesTo)
    for section in ("seeker", "employer", "hire"):
        if section in m and applies_to is not AppliesTo.hire and section != applies_to.value:
            raise f.error(
                m.lines[section], f"{where} applies_to {applies_to.value} and so cannot have {section} conditions"
            )
    seeker = (
        _seeker_conditions(f, f.mapping(m["seeker"], m.lines["seeker"], f"{where}.seeker"), f"{where}.seeker")
        if "seeker" in m
        else SeekerConditions()
    )
    employer = (
        _employer_conditions(f, f.mapping(m["employer"], m.lines["employer"], f"{where}.employer"), f"{where}.employer")
        if "employer" in m
        else EmployerConditions()
    )
    hire = (
        _hire_conditions(f, f.mapping(m["hire"], m.lines["hire"], f"{where}.hire"), f"{where}.hire")
        if "hire" in m
        else HireConditions()
    )
    amount = _amount(f, f.mapping(m["amount"], m.lines["amount"], f"{where}.amount"), f"{where}.amount", header["minimum_wage"])
    valid_from = f.day(m, "valid_from", where) or header["valid_from"]
    valid_until = f.day(m, "valid_until", where) if "valid_until" in m else header["valid_until"]
    if valid_from is None:
        raise f.error(m.line, f"{where} has no valid_from (give it on the rule or in the file header)")
    if valid_until is not None and valid_until < valid_from:
        line = m.lines.get("valid_until", m.lines.get("valid_from", m.line))
        raise f.error(line, f"{where}: valid_until {valid_until} is before valid_from {valid_from}")
    src = f.mapping(m["source"], m.lines["source"], f"{where}.source")
    f.fields(src, f"{where}.source", ("file", "clause", "quote"), ("clause", "quote"))
    document = header["document"]
    source = Source(
        file=f.text(src, "file", f"{where}.source") if "file" in src else document["file"],
        title=document["title"],
        clause=f.text(src, "clause", f"{where}.source"),
        quote=f.text(src, "quote", f"{where}.source"),
    )
    to_verify = m.get("to_verify") or []
    if not isinstance(to_verify, list) or not all(isinstance(t, str) and t.strip() for t in to_verify):
        raise f.error(m.lines.get("to_verify", m.line), f"{where}.to_verify must be a list of text")
    return Rule(
        id=rule_id,
        name=f.text(m, "name", where),
        pays=f.choice(m, "pays", where, Pays),
        applies_to=applies_to,
        amount=amount,
        valid_from=valid_from,
        valid_until=valid_until,
        source=source,
        region_code=header["region_code"],
        region_name=header["region_name"],
        minimum_wage_yuan=header["minimum_wage"],
        seeker=seeker,
        employer=employer,
        hire=hire,
        to_verify=tuple(t.strip() for t in to_verify),
        note=f.text(m, "note", where, required=False),
        file=str(f.path),
        line=m.line,
    )


def _load_file(path: Path) -> tuple[Rule, ...]:
    f = _File(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise f.error(mark.line + 1 if mark else 1, f"not valid YAML: {exc.problem}") from None
    top = f.mapping(data, 1, "a rule file")
    f.fields(top, "the file header", _HEADER_FIELDS, ("region", "document", "rules"))
    region = f.mapping(top["region"], top.lines["region"], "region")
    f.fields(region, "region", ("code", "name"), ("code", "name"))
    code = region["code"]
    code = str(code) if isinstance(code, int) and not isinstance(code, bool) else code
    if not isinstance(code, str) or not _REGION.match(code):
        raise f.error(region.lines["code"], f"region.code must be a 6-digit administrative code, got {region['code']!r}")
    minimum_wage = None
    if "minimum_wage" in top:
        mw = f.mapping(top["minimum_wage"], top.lines["minimum_wage"], "minimum_wage")
        f.fields(mw, "minimum_wage", ("monthly_yuan", "note"), ("monthly_yuan",))
        minimum_wage = f.number(mw, "monthly_yuan", "minimum_wage")
    document = f.mapping(top["document"], top.lines["document"], "document")
    f.fields(document, "document", ("file", "title"), ("file", "title"))
    header = {
        "region_code": code,
        "region_name": f.text(region, "name", "region"),
        "minimum_wage": minimum_wage,
        "document": {"file": f.text(document, "file", "document"), "title": f.text(document, "title", "document")},
        "valid_from": f.day(top, "valid_from", "the file header"),
        "valid_until": f.day(top, "valid_until", "the file header"),
    }
    rules = top["rules"]
    if not isinstance(rules, list):
        raise f.error(top.lines["rules"], "rules must be a list")
    out = []
    seen: dict[str, int] = {}
    for item in rules:
        rule = _rule(f, f.mapping(item, top.lines["rules"], "each rule"), header)
        if rule.id in seen:
            raise f.error(rule.line, f"duplicate rule id {rule.id!r} (first at line {seen[rule.id]})")
        seen[rule.id] = rule.line
        out.append(rule)
    return tuple(out)


def load_rules(path: Path | str = RULES_DIR) -> RuleSet:
    """Load one rule file, or every ``*.yaml`` in a directory; raise ``RuleFileError`` on any doubt."""
    path = Path(path)
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    rules: list[Rule] = []
    seen: dict[str, Rule] = {}
    for file in files:
        for rule in _load_file(file):
            if rule.id in seen:
                first = seen[rule.id]
                raise RuleFileError(file, rule.line, f"rule id {rule.id!r} already used at {first.file}:{first.line}")
            seen[rule.id] = rule
            rules.append(rule)
    return RuleSet(tuple(rules))


# ================================================================ evaluating

_YUAN = Decimal("0.01")


def _yuan(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value.quantize(_YUAN):f}"


def _n(value: Decimal) -> str:
    return _yuan(value)


def _range_label(name: str, unit: str, r: Range) -> str:
    if r.min is not None and r.max is not None:
        return f"{name}{_n(r.min)}–{_n(r.max)}{unit}"
    if r.min is not None:
        return f"{name}不少于{_n(r.min)}{unit}"
    return f"{name}不超过{_n(r.max)}{unit}"  # type: ignore[arg-type]


def _check_range(key: str, name: str, unit: str, r: Range | None, value: int | Decimal | None) -> list[ConditionResult]:
    if r is None:
        return []
    label = _range_label(name, unit, r)
    if value is None:
        return [ConditionResult(key, label, False, "未提供")]
    met = (r.min is None or value >= r.min) and (r.max is None or value <= r.max)
    return [ConditionResult(key, label, met, f"{value}{unit}")]


def _check_bool(key: str, label: str, expected: bool | None, value: bool | None) -> list[ConditionResult]:
    if expected is None:
        return []
    if not expected:
        label = f"非{label}"
    if value is None:
        return [ConditionResult(key, label, False, "未提供")]
    return [ConditionResult(key, label, value == expected, "是" if value else "否")]


def _check_member(key: str, name: str, allowed: frozenset | None, value: Any, labels: Mapping) -> list[ConditionResult]:
    if allowed is None:
        return []
    label = f"{name}：" + "、".join(labels.get(v, str(v)) for v in sorted(allowed, key=lambda v: list(type(v)).index(v)))
    if value is None:
        return [ConditionResult(key, label, False, "未提供")]
    return [ConditionResult(key, label, value in allowed, labels.get(value, str(value)))]


def _flag_labels(flags: Iterable[FlagKind]) -> str:
    return "、".join(FLAG_LABELS[f] for f in sorted(flags, key=lambda f: list(FlagKind).index(f))) or "无"


def _seeker_checks(c: SeekerConditions, s: SeekerPolicyFacts, prefix: str = "seeker") -> list[ConditionResult]:
    out: list[ConditionResult] = []
    if c.flags_any_of:
        out.append(
            ConditionResult(
                f"{prefix}.flags.any_of",
                f"属于以下人员之一：{_flag_labels(c.flags_any_of)}",
                bool(c.flags_any_of & s.active_flags),
                f"已认定：{_flag_labels(s.active_flags)}",
            )
        )
    if c.flags_all_of:
        out.append(
            ConditionResult(
                f"{prefix}.flags.all_of",
                f"同时属于：{_flag_labels(c.flags_all_of)}",
                c.flags_all_of <= s.active_flags,
                f"已认定：{_flag_labels(s.active_flags)}",
            )
        )
    out += _check_range(f"{prefix}.age", "年龄", "岁", c.age, s.age)
    out += _check_range(f"{prefix}.months_since_graduation", "毕业后", "个月", c.months_since_graduation, s.months_since_graduation)
    out += _check_range(f"{prefix}.months_unemployed", "登记失业", "个月", c.months_unemployed, s.months_unemployed)
    out += _check_range(f"{prefix}.months_in_business", "正常经营", "个月", c.months_in_business, s.months_in_business)
    out += _check_member(f"{prefix}.hukou", "户籍", c.hukou, s.hukou, HUKOU_LABELS)
    if c.education is not None:
        low, high = c.education
        parts = [f"{EDUCATION_LABELS[low]}及以上" if low else "", f"{EDUCATION_LABELS[high]}及以下" if high else ""]
        label = "学历" + "、".join(p for p in parts if p)
        if s.education is None:
            out.append(ConditionResult(f"{prefix}.education", label, False, "未提供"))
        else:
            met = (low is None or s.education.rank >= low.rank) and (high is None or s.education.rank <= high.rank)
            out.append(ConditionResult(f"{prefix}.education", label, met, EDUCATION_LABELS[s.education]))
    out += _check_bool(f"{prefix}.business_founder", "已创办经营实体", c.business_founder, s.business_founder)
    out += _check_bool(f"{prefix}.first_business", "首次创业", c.first_business, s.first_business)
    out += _check_bool(f"{prefix}.partnership", "合伙创业", c.partnership, s.partnership)
    if c.any_of:
        branches = [(b.label_zh, _seeker_checks(b, s, prefix)) for b in c.any_of]
        met_labels = [label for label, checks in branches if all(x.met for x in checks)]
        details = []
        for label, checks in branches:
            failed = [f"{x.label_zh}（{x.detail}）" for x in checks if not x.met]
            details.append(f"{label}：" + ("符合" if not failed else "不符合，" + "；".join(failed)))
        out.append(
            ConditionResult(
                f"{prefix}.any_of",
                "符合以下任一情形：" + "、".join(label for label, _ in branches),
                bool(met_labels),
                " | ".join(details),
            )
        )
    return out


def _employer_checks(c: EmployerConditions, e: EmployerPolicyFacts) -> list[ConditionResult]:
    out = _check_member("employer.size_class", "企业规模", c.size_class, e.size_class, SIZE_CLASS_LABELS)
    out += _check_member("employer.ownership", "企业性质", c.ownership, e.ownership, OWNERSHIP_LABELS)
    out += _check_range("employer.employees", "在职职工", "人", c.employees, e.employees)
    return out


def _hire_checks(c: HireConditions, h: HireFacts) -> list[ConditionResult]:
    out = _check_range("hire.contract_months", "劳动合同期限", "个月", c.contract_months, h.contract_months)
    out += _check_bool("hire.social_insurance", "按规定缴纳社会保险", c.social_insurance, h.social_insurance)
    out += _check_member("hire.work_type", "岗位类型", c.work_type, h.work_type, WORK_TYPE_LABELS)
    return out


def _validity(rule: Rule, today: date) -> ConditionResult:
    until = rule.valid_until.isoformat() if rule.valid_until else "长期"
    met = rule.valid_from <= today and (rule.valid_until is None or today <= rule.valid_until)
    return ConditionResult("valid", f"在政策有效期内（{rule.valid_from.isoformat()} 至 {until}）", met, f"评估日 {today.isoformat()}")


def _base_amount(rule: Rule) -> tuple[Decimal | None, str]:
    a = rule.amount
    unit = UNIT_LABELS[a.unit]
    if a.fixed_yuan is not None:
        return a.fixed_yuan, f"{_yuan(a.fixed_yuan)}{unit}"
    if a.max_yuan is not None:
        if a.min_yuan is not None:
            return a.max_yuan, f"{_yuan(a.min_yuan)}–{_yuan(a.max_yuan)}{unit}（按上限计）"
        return a.max_yuan, f"最高{_yuan(a.max_yuan)}{unit}"
    if a.monthly_yuan is not None:
        total = a.monthly_yuan * a.months  # type: ignore[operator]
        return total, f"每月{_yuan(a.monthly_yuan)}元，共{a.months}个月，合计{_yuan(total)}元"
    if a.percent_of_minimum_wage is not None:
        wage = rule.minimum_wage_yuan
        monthly = (wage * a.percent_of_minimum_wage / 100).quantize(_YUAN, ROUND_HALF_UP)  # type: ignore[operator]
        text = f"每月{_yuan(monthly)}元（当地最低工资{_yuan(wage)}元 × {_n(a.percent_of_minimum_wage)}%）"  # type: ignore[arg-type]
        if a.months is None:
            return monthly, text
        total = monthly * a.months
        return total, f"{text}，共{a.months}个月，合计{_yuan(total)}元"
    if a.percent is not None:
        return None, f"{a.base_zh}的{_n(a.percent)}%"
    if a.loan_ceiling_yuan is not None:
        return a.loan_ceiling_yuan, f"贷款额度最高{_yuan(a.loan_ceiling_yuan)}元"
    return None, a.description_zh


def _apply_caps(
    rule: Rule, amount: Decimal | None, seeker: SeekerPolicyFacts | None, employer: EmployerPolicyFacts | None
) -> tuple[Decimal | None, list[ConditionResult], str]:
    a = rule.amount
    checks: list[ConditionResult] = []
    note = ""
    clamp = a.unit is Unit.per_person and a.loan_ceiling_yuan is None
    if a.once_per_person and seeker is not None:
        claimed = rule.id in seeker.already_claimed
        checks.append(ConditionResult("cap.once_per_person", "每人只能享受一次", not claimed, "已享受过" if claimed else "未享受过"))
    if a.per_person_cap_yuan is not None and seeker is not None and amount is not None:
        claimed = Decimal(str(seeker.already_claimed.get(rule.id, 0)))
        left = max(a.per_person_cap_yuan - claimed, Decimal(0))
        checks.append(
            ConditionResult(
                "cap.per_person", f"每人累计不超过{_yuan(a.per_person_cap_yuan)}元", left > 0, f"已享受{_yuan(claimed)}元"
            )
        )
        if clamp and amount > left:
            amount, note = left, f"（受每人上限所限，实得{_yuan(left)}元）"
    if a.per_employer_cap_yuan is not None and employer is not None and amount is not None:
        claimed = Decimal(str(employer.already_claimed.get(rule.id, 0)))
        left = max(a.per_employer_cap_yuan - claimed, Decimal(0))
        checks.append(
            ConditionResult(
                "cap.per_employer",
                f"每户企业累计不超过{_yuan(a.per_employer_cap_yuan)}元",
                left > 0,
                f"已享受{_yuan(claimed)}元",
            )
        )
        if clamp and amount > left:
            amount, note = left, f"（受每户企业上限所限，实得{_yuan(left)}元）"
    return amount, checks, note


def _outcome(
    rule: Rule,
    today: date,
    checks: list[ConditionResult],
    seeker: SeekerPolicyFacts | None,
    employer: EmployerPolicyFacts | None,
) -> RuleOutcome:
    amount, text = _base_amount(rule)
    amount, cap_checks, cap_note = _apply_caps(rule, amount, seeker, employer)
    conditions = (_validity(rule, today), *checks, *cap_checks)
    return RuleOutcome(
        rule_id=rule.id,
        name=rule.name,
        pays=rule.pays,
        applies=all(c.met for c in conditions),
        amount_yuan=amount,
        amount_text=text + cap_note,
        conditions=conditions,
        source=rule.source,
        to_verify=rule.to_verify,
        region_code=rule.region_code,
    )


def evaluate_seeker(ruleset: RuleSet, seeker: SeekerPolicyFacts, today: date) -> list[RuleOutcome]:
    """Measures the seeker can claim on their own, in the seeker's region; each says whether it applies and why."""
    return [
        _outcome(rule, today, _seeker_checks(rule.seeker, seeker), seeker, None)
        for rule in ruleset.for_region(seeker.region_code)
        if rule.applies_to is AppliesTo.seeker
    ]


def evaluate_employer(ruleset: RuleSet, employer: EmployerPolicyFacts, today: date) -> list[RuleOutcome]:
    """Measures the employer can claim on its own, in the employer's region."""
    return [
        _outcome(rule, today, _employer_checks(rule.employer, employer), None, employer)
        for rule in ruleset.for_region(employer.region_code)
        if rule.applies_to is AppliesTo.employer
    ]


def evaluate_hire(
    ruleset: RuleSet, seeker: SeekerPolicyFacts, employer: EmployerPolicyFacts, hire: HireFacts, today: date
) -> list[RuleOutcome]:
    """Measures this hire would trigger. The place of work decides: rules of the employer's region."""
    return [
        _outcome(
            rule,
            today,
            [*_seeker_checks(rule.seeker, seeker), *_employer_checks(rule.employer, employer), *_hire_checks(rule.hire, hire)],
            seeker,
            employer,
        )
        for rule in ruleset.for_region(employer.region_code)
        if rule.applies_to is AppliesTo.hire
    ]


def unlocked_by_hire(
    ruleset: RuleSet, seeker: SeekerPolicyFacts, employer: EmployerPolicyFacts, hire_defaults: HireFacts, today: date
) -> list[RuleOutcome]:
    """政策找人: what hiring this seeker on the job's usual terms would bring the employer, largest sum first.

    Only applicable outcomes paid to the employer; cheap enough to call for each candidate in a list.
    """
    unlocked = [
        o for o in evaluate_hire(ruleset, seeker, employer, hire_defaults, today) if o.applies and o.pays is Pays.employer
    ]
    return sorted(unlocked, key=lambda o: -(o.amount_yuan or 0))

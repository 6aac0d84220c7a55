"""Rule files: YAML read with line numbers, checked field by field, turned into :class:`RuleSet`s."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from matching.enums import (
    Education,
    FlagKind,
    Hukou,
    Ownership,
    SizeClass,
    WorkType,
)
from matching.rules.model import (
    Amount,
    AppliesTo,
    EmployerConditions,
    HireConditions,
    Pays,
    RULES_DIR,
    Range,
    Rule,
    RuleFileError,
    RuleSet,
    SeekerConditions,
    Source,
    Unit,
)

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
                problem=f"重复的字段 {key!r}", problem_mark=key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates stay text until a field reads them (:meth:`_File.day`), so 2020-02-30 is refused with its file and line
# rather than by the YAML library's bare ValueError.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9_]+$")


def _construct_int(loader: _LineLoader, node: yaml.ScalarNode) -> int:
    """YAML 1.1 reads 010100 as octal (4160): a number written with a leading zero is refused, not misread."""
    if _LEADING_ZERO.match(str(node.value)):
        raise yaml.MarkedYAMLError(
            problem=f"以0开头的数字 {node.value} 会被当作八进制读取：地区代码等请加引号，如 \"{node.value}\"",
            problem_mark=node.start_mark)
    return yaml.SafeLoader.construct_yaml_int(loader, node)


_LineLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)

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
            raise self.error(line, f"{where} 须为键值映射（mapping）")
        return value

    def fields(self, m: _Map, where: str, allowed: Iterable[str], required: Iterable[str] = ()) -> None:
        allowed = set(allowed)
        for key in m:
            if key not in allowed:
                raise self.error(m.lines[key], f"{where} 中有未知字段 {key!r}（可用：{', '.join(sorted(allowed))}）")
        for key in required:
            if key not in m or m[key] is None:
                raise self.error(m.line, f"{where} 缺少必填字段 {key!r}")

    def text(self, m: _Map, key: str, where: str, *, required: bool = True) -> str:
        value = m.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.error(m.lines.get(key, m.line), f"{where}.{key} 须为非空文字")
        return value.strip()

    def number(self, m: _Map, key: str, where: str) -> Decimal | None:
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(m.lines[key], f"{where}.{key} 须为数字，实际为 {value!r}")
        number = Decimal(str(value))
        if number < 0:
            raise self.error(m.lines[key], f"{where}.{key} 不能为负数，实际为 {value}")
        return number

    def percent(self, m: _Map, key: str, where: str) -> Decimal | None:
        number = self.number(m, key, where)
        if number is not None and number > 100:
            raise self.error(m.lines[key], f"{where}.{key} 是百分比，不能超过100，实际为 {number}")
        return number

    def whole(self, m: _Map, key: str, where: str, *, positive: bool = False) -> int | None:
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or (positive and value <= 0):
            kind = "正整数" if positive else "整数"
            raise self.error(m.lines[key], f"{where}.{key} 须为{kind}，实际为 {value!r}")
        return value

    def boolean(self, m: _Map, key: str, where: str) -> bool | None:
        value = m.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self.error(m.lines[key], f"{where}.{key} 须为 true 或 false，实际为 {value!r}")
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
            raise self.error(m.lines[key], f"{where}.{key} 须为存在的日期 YYYY-MM-DD，实际为 {value!r}") from None

    def range(self, m: _Map, key: str, where: str, *, allow_negative: bool = False) -> Range | None:
        value = m.get(key)
        if value is None:
            return None
        line = m.lines[key]
        if isinstance(value, bool) or isinstance(value, (int, float)):
            raise self.error(line, f"{where}.{key} 须为范围，如 {{min: 6}} 或 {{max: 24}}，实际为 {value!r}")
        r = self.mapping(value, line, f"{where}.{key}")
        self.fields(r, f"{where}.{key}", ("min", "max"))
        bounds = []
        for bound in ("min", "max"):
            raw = r.get(bound)
            if raw is None:
                bounds.append(None)
                continue
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                raise self.error(r.lines[bound], f"{where}.{key}.{bound} 须为数字，实际为 {raw!r}")
            if raw < 0 and not allow_negative:
                raise self.error(r.lines[bound], f"{where}.{key}.{bound} 不能为负数，实际为 {raw}")
            bounds.append(Decimal(str(raw)))
        low, high = bounds
        if low is None and high is None:
            raise self.error(line, f"{where}.{key} 需要 min、max 或两者")
        if low is not None and high is not None and low > high:
            raise self.error(line, f"{where}.{key} 永远无法满足：min {low} > max {high}")
        return Range(low, high)

    def members(self, m: _Map, key: str, where: str, enum: type[StrEnum]) -> frozenset | None:
        value = m.get(key)
        if value is None:
            return None
        line = m.lines[key]
        items = value if isinstance(value, list) else None
        if not items:
            raise self.error(line, f"{where}.{key} 须为非空列表，可用：{', '.join(e.value for e in enum)}")
        out = set()
        for item in items:
            try:
                out.add(enum(item))
            except ValueError:
                kind = "政策标识" if enum is FlagKind else "取值"
                raise self.error(
                    line, f"{where}.{key} 中有未知的{kind} {item!r}（可用：{', '.join(e.value for e in enum)}）"
                ) from None
        return frozenset(out)

    def choice(self, m: _Map, key: str, where: str, enum: type[StrEnum]) -> Any:
        value = m.get(key)
        try:
            return enum(value)
        except ValueError:
            raise self.error(
                m.lines.get(key, m.line), f"{where}.{key} 须为以下之一：{', '.join(e.value for e in enum)}；实际为 {value!r}"
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
            raise f.error(flags.line, f"{where}.flags 需要 any_of 或 all_of")
        any_of_flags = f.members(flags, "any_of", f"{where}.flags", FlagKind) or frozenset()
        all_of_flags = f.members(flags, "all_of", f"{where}.flags", FlagKind) or frozenset()
    education = None
    if "education" in m:
        edu = f.mapping(m["education"], m.lines["education"], f"{where}.education")
        f.fields(edu, f"{where}.education", ("min", "max"))
        low = f.choice(edu, "min", f"{where}.education", Education) if "min" in edu else None
        high = f.choice(edu, "max", f"{where}.education", Education) if "max" in edu else None
        if low is None and high is None:
            raise f.error(edu.line, f"{where}.education 需要 min、max 或两者")
        if low is not None and high is not None and low.rank > high.rank:
            raise f.error(edu.line, f"{where}.education 永远无法满足：min {low} 高于 max {high}")
        education = (low, high)
    branches: tuple[SeekerConditions, ...] = ()
    if "any_of" in m:
        raw = m["any_of"]
        if not isinstance(raw, list) or len(raw) < 2:
            raise f.error(m.lines["any_of"], f"{where}.any_of 至少要列出两种情形")
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
        raise f.error(m.lines[forms[1]], f"{where} 同时给了 {forms[0]!r} 和 {forms[1]!r}：金额只能用一种写法")
    if not forms and not m.get("description_zh"):
        raise f.error(m.line, f"{where} 需要金额（{', '.join(_AMOUNT_FORMS)}）或 description_zh")
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
            raise f.error(m.lines["min_yuan"], f"{where}.min_yuan 需要 max_yuan（金额范围 min–max）")
        if amount.min_yuan > amount.max_yuan:
            raise f.error(m.lines["min_yuan"], f"{where}：min_yuan {amount.min_yuan} 大于 max_yuan {amount.max_yuan}")
    if amount.monthly_yuan is not None and amount.months is None:
        raise f.error(m.lines["monthly_yuan"], f"{where}.monthly_yuan 需要 months")
    if amount.months is not None and amount.monthly_yuan is None and amount.percent_of_minimum_wage is None:
        raise f.error(m.lines["months"], f"{where}.months 只能与 monthly_yuan 或 percent_of_minimum_wage 一起使用")
    if amount.percent is not None and not amount.base_zh:
        raise f.error(m.lines["percent"], f"{where}.percent 需要 base_zh：说明是什么的百分比")
    if amount.percent_of_minimum_wage is not None and minimum_wage is None:
        raise f.error(
            m.lines["percent_of_minimum_wage"],
            f"{where}.percent_of_minimum_wage 需要文件头中本地区的 minimum_wage",
        )
    numeric = amount.fixed_yuan is not None or amount.max_yuan is not None or amount.monthly_yuan is not None
    numeric = numeric or amount.percent_of_minimum_wage is not None
    for cap in ("per_employer_cap_yuan", "per_person_cap_yuan"):
        if cap in m and not numeric:
            raise f.error(m.lines[cap], f"{where}.{cap} 需要一个以元计的金额作为上限")
    return amount


_HEADER_FIELDS = ("example", "region", "minimum_wage", "document", "valid_from", "valid_until", "rules")
EXAMPLE_MARK = "【示例】"
_RULE_FIELDS = (
    "id", "name", "pays", "applies_to", "seeker", "employer", "hire", "amount",
    "valid_from", "valid_until", "source", "to_verify", "note",
)  # fmt: skip


def _rule(f: _File, m: _Map, header: dict[str, Any]) -> Rule:
    f.fields(m, "rule", _RULE_FIELDS, ("id", "name", "pays", "applies_to", "amount", "source"))
    rule_id = m["id"]
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise f.error(m.lines["id"], f"规则编号 id 只能用小写字母、数字和“-”，实际为 {rule_id!r}")
    where = f"规则 {rule_id!r}"
    applies_to = f.choice(m, "applies_to", where, AppliesTo)
    for section in ("seeker", "employer", "hire"):
        if section in m and applies_to is not AppliesTo.hire and section != applies_to.value:
            raise f.error(
                m.lines[section], f"{where} 的 applies_to 为 {applies_to.value}，不能有 {section} 条件"
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
        raise f.error(m.line, f"{where} 缺少 valid_from（在规则或文件头中给出）")
    if valid_until is not None and valid_until < valid_from:
        line = m.lines.get("valid_until", m.lines.get("valid_from", m.line))
        raise f.error(line, f"{where}：valid_until {valid_until} 早于 valid_from {valid_from}")
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
        raise f.error(m.lines.get("to_verify", m.line), f"{where}.to_verify 须为文字列表")
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
        raise f.error(mark.line + 1 if mark else 1, f"YAML 格式错误（not valid YAML）：{exc.problem}") from None
    except (yaml.YAMLError, ValueError) as exc:
        raise f.error(1, f"YAML 格式错误（not valid YAML）：{exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise f.error(1, f"无法读取，须为 UTF-8 文本：{exc}") from None
    top = f.mapping(data, 1, "规则文件")
    f.fields(top, "文件头", _HEADER_FIELDS, ("region", "document", "rules"))
    region = f.mapping(top["region"], top.lines["region"], "region")
    f.fields(region, "region", ("code", "name"), ("code", "name"))
    code = region["code"]
    code = str(code) if isinstance(code, int) and not isinstance(code, bool) else code
    if not isinstance(code, str) or not _REGION.match(code):
        raise f.error(region.lines["code"], f"region.code 须为6位行政区划代码（加引号），实际为 {region['code']!r}")
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
        "valid_from": f.day(top, "valid_from", "文件头"),
        "valid_until": f.day(top, "valid_until", "文件头"),
    }
    example = f.boolean(top, "example", "文件头") or False
    if example and EXAMPLE_MARK not in header["document"]["title"]:
        raise f.error(top.lines["document"], f"示例规则文件的 document.title 须含“{EXAMPLE_MARK}”，以免被当作真实政策")
    rules = top["rules"]
    if not isinstance(rules, list):
        raise f.error(top.lines["rules"], "rules 须为规则列表")
    out = []
    seen: dict[str, int] = {}
    for item in rules:
        rule = _rule(f, f.mapping(item, top.lines["rules"], "每条规则"), header)
        if example and not rule.name.startswith(EXAMPLE_MARK):
            raise f.error(rule.line, f"示例规则文件中的规则名称须以“{EXAMPLE_MARK}”开头，以免被当作真实政策：{rule.name}")
        if rule.id in seen:
            raise f.error(rule.line, f"规则编号 {rule.id!r} 重复（第一次出现在第 {seen[rule.id]} 行）")
        seen[rule.id] = rule.line
        out.append(rule)
    return tuple(out)


def load_rules(path: Path | str | Sequence[Path | str] = RULES_DIR) -> RuleSet:
    """Load one rule file, every ``*.yaml`` in a directory, or several of either; raise ``RuleFileError`` on any
    doubt (a rule id used twice anywhere included)."""
    paths = [Path(p) for p in path] if isinstance(path, (list, tuple)) else [Path(path)]
    files = [f for p in paths for f in (sorted(p.glob("*.yaml")) if p.is_dir() else [p])]
    rules: list[Rule] = []
    seen: dict[str, Rule] = {}
    for file in files:
        for rule in _load_file(file):
            if rule.id in seen:
                first = seen[rule.id]
                raise RuleFileError(file, rule.line, f"规则编号 {rule.id!r} 已在 {first.file}:{first.line} 使用")
            seen[rule.id] = rule
            rules.append(rule)
    return RuleSet(tuple(rules))


# ================================================================ evaluating

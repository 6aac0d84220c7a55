"""The three questions, as pure functions over facts: what a seeker, an employer or a hire can claim."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


from matching.enums import (
    EDUCATION_LABELS,
    FLAG_LABELS,
    SIZE_CLASS_LABELS,
    WORK_TYPE_LABELS,
    FlagKind,
)
from matching.rules.model import (
    AppliesTo,
    ConditionResult,
    EmployerConditions,
    EmployerPolicyFacts,
    HUKOU_LABELS,
    HireConditions,
    HireFacts,
    OWNERSHIP_LABELS,
    Pays,
    Range,
    Rule,
    RuleOutcome,
    RuleSet,
    SeekerConditions,
    SeekerPolicyFacts,
    UNIT_LABELS,
    Unit,
)

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

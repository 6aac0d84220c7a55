"""The policy engine, read as its specification: shipped rules at their edges, and rule files refused at load."""

from __future__ import annotations

import textwrap
import time
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from matching.enums import FlagKind, Ownership, SizeClass, WorkType
from matching.refdata import DATA_DIR
from matching.rules import (
    RULES_DIR,
    EmployerPolicyFacts,
    HireFacts,
    Pays,
    RuleFileError,
    RuleOutcome,
    SeekerPolicyFacts,
    evaluate_employer,
    evaluate_hire,
    evaluate_seeker,
    load_rules,
    region_prefix,
    unlocked_by_hire,
)

# The five policy documents the shipped rules come from, shipped beside them (matching/data/policy-docs/).
POLICY_DOCUMENTS = frozenset(
    {
        "000_6ee6945cb9904930.txt",  # 成都市温江区 温府办发〔2020〕17号
        "001_6808aec221edb563.txt",  # 重庆市大足区 大足府办发〔2020〕41号
        "002_e235edd94cbc6729.txt",  # 吉林省 / 榆树市 / 沧州市 稳就业实施方案（精选3篇）
        "003_545bf9e437007d7d.txt",  # 西安市鄠邑区 稳就业三个行动计划实施方案
        "004_db29f2f20b91b7eb.txt",  # 淄博市淄川区 川政发〔2020〕3号
    }
)
POLICY_DOCS_DIR = DATA_DIR / "policy-docs"

WENJIANG, DAZU, HUYI, ZICHUAN = "510115", "500111", "610118", "370302"
YUSHU, CHANGCHUN_CHAOYANG, CANGZHOU_YUNHE = "220182", "220104", "130903"
IN_2020 = date(2020, 9, 1)

RULES = load_rules()


# ---------------------------------------------------------------- factories


def seeker(**overrides: Any) -> SeekerPolicyFacts:
    base: dict[str, Any] = {"age": 30, "region_code": WENJIANG}
    base.update(overrides)
    if "active_flags" in base:
        base["active_flags"] = frozenset(base["active_flags"])
    return SeekerPolicyFacts(**base)


def employer(**overrides: Any) -> EmployerPolicyFacts:
    base: dict[str, Any] = {"size_class": SizeClass.small, "ownership": Ownership.private, "region_code": WENJIANG}
    base.update(overrides)
    return EmployerPolicyFacts(**base)


def hire(**overrides: Any) -> HireFacts:
    base: dict[str, Any] = {
        "contract_months": 12,
        "social_insurance": True,
        "work_type": WorkType.full_time,
        "monthly_wage": 4000,
    }
    base.update(overrides)
    return HireFacts(**base)


def outcome(outcomes: list[RuleOutcome], rule_id: str) -> RuleOutcome:
    matches = [o for o in outcomes if o.rule_id == rule_id]
    assert matches, f"{rule_id} not evaluated; got {[o.rule_id for o in outcomes]}"
    return matches[0]


def condition(o: RuleOutcome, key: str):
    return next(c for c in o.conditions if c.key == key)


def hire_outcome(rule_id: str, *, s: SeekerPolicyFacts, e: EmployerPolicyFacts, h: HireFacts, today: date = IN_2020):
    return outcome(evaluate_hire(RULES, s, e, h, today), rule_id)


# ---------------------------------------------------------------- shipped rules: provenance


def test_every_shipped_rule_cites_one_of_the_five_policy_documents_with_clause_and_quote():
    assert len(RULES.rules) >= 40
    for rule in RULES.rules:
        assert rule.source.file in POLICY_DOCUMENTS, rule.id
        assert rule.source.clause and rule.source.quote and rule.source.title, rule.id


def test_every_policy_document_has_rules():
    assert {r.source.file for r in RULES.rules} == POLICY_DOCUMENTS


def test_every_policy_document_ships_with_the_project():
    assert {p.name for p in POLICY_DOCS_DIR.glob("*.txt")} == POLICY_DOCUMENTS


def test_every_quote_appears_verbatim_in_its_document():
    for rule in RULES.rules:
        text = "".join((POLICY_DOCS_DIR / rule.source.file).read_text(encoding="utf-8").split())
        assert "".join(rule.source.quote.split()) in text, rule.id


def test_every_shipped_rule_has_a_validity_window_that_has_closed_by_2023():
    for rule in RULES.rules:
        assert rule.valid_until is not None and rule.valid_until <= date(2022, 12, 31), rule.id


# ---------------------------------------------------------------- 一次性吸纳就业补贴 (吉林省: 800, cap 50,000)


def _jilin_hire(*, s_over: dict | None = None, e_over: dict | None = None, h_over: dict | None = None, **kw):
    s = seeker(region_code=YUSHU, months_unemployed=6, **(s_over or {}))
    e = employer(region_code=YUSHU, **(e_over or {}))
    return hire_outcome("jilin-xina-jiuye", s=s, e=e, h=hire(**(h_over or {})), **kw)


def test_jilin_absorption_subsidy_pays_800_for_a_one_year_contract_with_social_insurance():
    o = _jilin_hire()
    assert o.applies and o.amount_yuan == 800 and o.pays is Pays.employer
    assert "每人800元" in o.source.quote and "每户企业最高5万元" in o.source.quote


def test_jilin_absorption_subsidy_needs_a_contract_of_12_months_not_11():
    o = _jilin_hire(h_over={"contract_months": 11})
    assert not o.applies
    c = condition(o, "hire.contract_months")
    assert not c.met and c.detail == "11个月" and "12" in c.label_zh


def test_jilin_absorption_subsidy_needs_6_months_registered_unemployed_not_5():
    assert _jilin_hire().applies  # exactly 6 months
    s = seeker(region_code=YUSHU, months_unemployed=5)
    o = hire_outcome("jilin-xina-jiuye", s=s, e=employer(region_code=YUSHU), h=hire())
    assert not o.applies and not condition(o, "seeker.months_unemployed").met


def test_jilin_absorption_subsidy_needs_social_insurance_and_a_registered_unemployed_seeker():
    assert not _jilin_hire(h_over={"social_insurance": False}).applies
    s = seeker(region_code=YUSHU)  # not registered unemployed
    o = hire_outcome("jilin-xina-jiuye", s=s, e=employer(region_code=YUSHU), h=hire())
    assert not o.applies and condition(o, "seeker.months_unemployed").detail == "未提供"


def test_jilin_per_employer_cap_hit_exactly_still_pays_the_last_800():
    o = _jilin_hire(e_over={"already_claimed": {"jilin-xina-jiuye": 49_200}})
    assert o.applies and o.amount_yuan == 800


def test_jilin_per_employer_cap_pays_only_what_is_left_under_50000():
    o = _jilin_hire(e_over={"already_claimed": {"jilin-xina-jiuye": 49_500}})
    assert o.applies and o.amount_yuan == 500 and "上限" in o.amount_text


def test_jilin_per_employer_cap_exhausted_pays_nothing():
    o = _jilin_hire(e_over={"already_claimed": {"jilin-xina-jiuye": 50_000}})
    assert not o.applies and not condition(o, "cap.per_employer").met


def test_jilin_absorption_subsidy_is_once_per_person():
    o = _jilin_hire(s_over={"already_claimed": {"jilin-xina-jiuye": 800}})
    assert not o.applies and not condition(o, "cap.once_per_person").met


def test_jilin_absorption_subsidy_expired_after_2020():
    o = _jilin_hire(today=date(2021, 1, 1))
    assert not o.applies and not condition(o, "valid").met
    assert _jilin_hire(today=date(2020, 12, 31)).applies


# ---------------------------------------------------------------- 沧州 1,000 + 200; 返乡创业 5,000; 服务补贴 400


def _cangzhou(rule_id: str, *, s: SeekerPolicyFacts | None = None, h: HireFacts | None = None, today: date = IN_2020):
    s = s or seeker(region_code=CANGZHOU_YUNHE, months_unemployed=6)
    return hire_outcome(rule_id, s=s, e=employer(region_code=CANGZHOU_YUNHE), h=h or hire(), today=today)


def test_cangzhou_absorption_subsidy_is_1000_at_6_months_unemployed_and_12_month_contract():
    assert _cangzhou("cangzhou-xina-jiuye").amount_yuan == 1000
    assert _cangzhou("cangzhou-xina-jiuye").applies
    assert not _cangzhou("cangzhou-xina-jiuye", s=seeker(region_code=CANGZHOU_YUNHE, months_unemployed=5)).applies
    assert not _cangzhou("cangzhou-xina-jiuye", h=hire(contract_months=11)).applies


def test_cangzhou_county_top_up_of_200_for_poor_or_recent_graduates_before_june_2020():
    poor = seeker(region_code=CANGZHOU_YUNHE, active_flags={FlagKind.poverty_alleviated})
    graduate = seeker(region_code=CANGZHOU_YUNHE, active_flags={FlagKind.graduate}, months_since_graduation=24)
    late_graduate = replace(graduate, months_since_graduation=25)
    may = date(2020, 5, 31)
    assert _cangzhou("cangzhou-renli-tidai-xian-butie", s=poor, today=may).amount_yuan == 200
    assert _cangzhou("cangzhou-renli-tidai-xian-butie", s=poor, today=may).applies
    assert _cangzhou("cangzhou-renli-tidai-xian-butie", s=graduate, today=may).applies
    o = _cangzhou("cangzhou-renli-tidai-xian-butie", s=late_graduate, today=may)
    assert not o.applies and "毕业2年内高校毕业生" in condition(o, "seeker.any_of").detail
    assert not _cangzhou("cangzhou-renli-tidai-xian-butie", s=poor, today=date(2020, 6, 1)).applies


def test_cangzhou_agency_service_subsidy_pays_the_agency_400_and_is_not_unlocked_for_the_employer():
    o = _cangzhou("cangzhou-jiuye-fuwu-butie")
    assert o.applies and o.pays is Pays.agency and o.amount_yuan == 400 and o.to_verify
    s = seeker(region_code=CANGZHOU_YUNHE, months_unemployed=6)
    unlocked = unlocked_by_hire(RULES, s, employer(region_code=CANGZHOU_YUNHE), hire(), IN_2020)
    assert [o.rule_id for o in unlocked] == ["cangzhou-xina-jiuye"]


def test_cangzhou_returning_migrant_first_business_5000_after_6_months_of_operation():
    founder = seeker(
        region_code=CANGZHOU_YUNHE, active_flags={FlagKind.rural_migrant}, first_business=True, months_in_business=6
    )
    o = outcome(evaluate_seeker(RULES, founder, IN_2020), "cangzhou-fanxiang-chuangye")
    assert o.applies and o.amount_yuan == 5000 and o.pays is Pays.seeker
    too_early = outcome(evaluate_seeker(RULES, replace(founder, months_in_business=5), IN_2020), "cangzhou-fanxiang-chuangye")
    assert not too_early.applies and condition(too_early, "seeker.months_in_business").detail == "5个月"
    second = outcome(evaluate_seeker(RULES, replace(founder, first_business=False), IN_2020), "cangzhou-fanxiang-chuangye")
    assert not second.applies


def test_dazu_returning_migrant_subsidy_needs_a_full_year_and_has_no_amount_in_the_document():
    founder = seeker(region_code=DAZU, active_flags={FlagKind.rural_migrant}, first_business=True, months_in_business=12)
    o = outcome(evaluate_seeker(RULES, founder, IN_2020), "dazu-fanxiang-chuangye")
    assert o.applies and o.amount_yuan is None and "一次性创业补贴" in o.amount_text
    assert not outcome(evaluate_seeker(RULES, replace(founder, months_in_business=11), IN_2020), o.rule_id).applies


def test_labour_preparation_training_takes_registered_unemployed_aged_20_and_under():
    s = seeker(region_code=ZICHUAN, age=20, months_unemployed=0)
    assert outcome(evaluate_seeker(RULES, s, IN_2020), "zichuan-laodong-yubei-peixun").applies
    assert not outcome(evaluate_seeker(RULES, replace(s, age=21), IN_2020), "zichuan-laodong-yubei-peixun").applies


# ---------------------------------------------------------------- 见习补贴: percent of the minimum wage


def test_wenjiang_internship_subsidy_is_80_percent_of_the_1780_minimum_wage_per_month():
    grad = seeker(active_flags={FlagKind.graduate}, months_since_graduation=6)
    o = hire_outcome("wenjiang-jianxi-butie", s=grad, e=employer(), h=hire(work_type=WorkType.internship))
    assert o.applies and o.amount_yuan == Decimal("1424") and "1780" in o.amount_text and "80%" in o.amount_text


def test_zichuan_internship_subsidy_is_60_percent_of_the_1910_minimum_wage_per_month():
    grad = seeker(region_code=ZICHUAN, active_flags={FlagKind.graduate}, months_since_graduation=6)
    e = employer(region_code=ZICHUAN)
    o = hire_outcome("zichuan-jianxi-butie", s=grad, e=e, h=hire(work_type=WorkType.internship))
    assert o.applies and o.amount_yuan == Decimal("1146")


def test_wenjiang_internship_needs_an_internship_post():
    grad = seeker(active_flags={FlagKind.graduate}, months_since_graduation=6)
    o = hire_outcome("wenjiang-jianxi-butie", s=grad, e=employer(), h=hire())
    assert not o.applies and condition(o, "hire.work_type").detail == "全职"


@pytest.mark.parametrize(
    ("facts", "applies"),
    [
        ({"age": 24, "months_unemployed": 0}, True),  # 16—24岁失业青年
        ({"age": 25, "months_unemployed": 0}, False),
        ({"age": 24}, False),  # not registered unemployed
        ({"active_flags": {FlagKind.graduate}, "months_since_graduation": 24}, True),  # 离校2年内
        ({"active_flags": {FlagKind.graduate}, "months_since_graduation": 25}, False),
        ({"active_flags": {FlagKind.graduate}, "months_since_graduation": -3}, True),  # 毕业年度内在校
    ],
)
def test_wenjiang_internship_subsidy_covers_each_of_its_three_groups(facts, applies):
    o = hire_outcome("wenjiang-jianxi-butie", s=seeker(**facts), e=employer(), h=hire(work_type=WorkType.internship))
    assert o.applies is applies


# ---------------------------------------------------------------- 温江: 4,000 per graduate, 2,000 吸纳, 70% 社保, expiry


def test_wenjiang_private_employer_hiring_this_years_graduate_gets_4000():
    grad = seeker(active_flags={FlagKind.graduate}, months_since_graduation=12)
    o = hire_outcome("wenjiang-minying-biyesheng", s=grad, e=employer(), h=hire())
    assert o.applies and o.amount_yuan == 4000 and o.to_verify
    assert not hire_outcome("wenjiang-minying-biyesheng", s=grad, e=employer(ownership=Ownership.state), h=hire()).applies
    older = replace(grad, months_since_graduation=13)
    assert not hire_outcome("wenjiang-minying-biyesheng", s=older, e=employer(), h=hire()).applies


def test_wenjiang_absorption_subsidy_up_to_2000_for_small_medium_and_micro_employers_only():
    o = hire_outcome("wenjiang-xina-jiuye", s=seeker(), e=employer(), h=hire())
    assert o.applies and o.amount_yuan == 2000 and "最高" in o.amount_text
    large = hire_outcome("wenjiang-xina-jiuye", s=seeker(), e=employer(size_class=SizeClass.large), h=hire())
    assert not large.applies and condition(large, "employer.size_class").detail == "大型"


def test_wenjiang_flexible_employment_social_insurance_subsidy_is_70_percent_for_hard_to_employ_or_recent_graduates():
    flexible = hire(work_type=WorkType.flexible)
    hard = seeker(active_flags={FlagKind.hard_to_employ})
    o = hire_outcome("wenjiang-linghuo-shebao", s=hard, e=employer(), h=flexible)
    assert o.applies and o.pays is Pays.seeker and o.amount_yuan is None and "70%" in o.amount_text
    grad = seeker(active_flags={FlagKind.graduate}, months_since_graduation=30)
    assert not hire_outcome("wenjiang-linghuo-shebao", s=grad, e=employer(), h=flexible).applies
    assert not hire_outcome("wenjiang-linghuo-shebao", s=hard, e=employer(), h=hire(work_type=WorkType.flexible, social_insurance=False)).applies


def test_wenjiang_rules_never_apply_outside_2020_07_02_to_2020_12_31():
    grad = seeker(active_flags={FlagKind.graduate}, months_since_graduation=3)
    for day, applies in [(date(2020, 7, 1), False), (date(2020, 7, 2), True), (date(2020, 12, 31), True), (date(2021, 1, 1), False)]:
        o = hire_outcome("wenjiang-minying-biyesheng", s=grad, e=employer(), h=hire(), today=day)
        assert o.applies is applies, day


def test_no_expired_rule_ever_applies():
    today = date(2030, 1, 1)
    s = seeker(
        active_flags=set(FlagKind), months_since_graduation=1, months_unemployed=12, business_founder=True,
        first_business=True, months_in_business=12, partnership=True,
    )  # fmt: skip
    for region in (WENJIANG, DAZU, HUYI, ZICHUAN, YUSHU, CANGZHOU_YUNHE):
        s_here, e_here = replace(s, region_code=region), employer(region_code=region, employees=10)
        for work_type in WorkType:
            assert not any(o.applies for o in evaluate_hire(RULES, s_here, e_here, hire(work_type=work_type), today))
        assert not any(o.applies for o in evaluate_seeker(RULES, s_here, today))
        assert not any(o.applies for o in evaluate_employer(RULES, e_here, today))


# ---------------------------------------------------------------- loans, employer measures, caps per day


def test_business_guarantee_loan_ceilings_200000_in_wenjiang_and_450000_for_partnerships_in_zichuan():
    founder = seeker(business_founder=True)
    assert outcome(evaluate_seeker(RULES, founder, IN_2020), "wenjiang-chuangye-daikuan").amount_yuan == 200_000
    partners = seeker(region_code=ZICHUAN, business_founder=True, partnership=True)
    o = outcome(evaluate_seeker(RULES, partners, IN_2020), "zichuan-chuangye-daikuan-hehuo")
    assert o.applies and o.amount_yuan == 450_000 and "贷款额度" in o.amount_text
    alone = outcome(evaluate_seeker(RULES, replace(partners, partnership=False), IN_2020), o.rule_id)
    assert not alone.applies


def test_zichuan_disability_levy_exemption_for_30_employees_or_fewer_until_end_of_2022():
    small = employer(region_code=ZICHUAN, employees=30)
    assert outcome(evaluate_employer(RULES, small, date(2022, 12, 31)), "zichuan-canbaojin-mianzheng").applies
    assert not outcome(evaluate_employer(RULES, small, date(2023, 1, 1)), "zichuan-canbaojin-mianzheng").applies
    big = replace(small, employees=31)
    assert not outcome(evaluate_employer(RULES, big, IN_2020), "zichuan-canbaojin-mianzheng").applies


def test_zichuan_spring_festival_subsidy_200_per_person_per_day_capped_at_500000_per_employer():
    e = employer(region_code=ZICHUAN)
    o = outcome(evaluate_employer(RULES, e, date(2020, 2, 1)), "zichuan-chunjie-yonggong")
    assert o.applies and o.amount_yuan == 200 and "元/人/天" in o.amount_text
    spent = replace(e, already_claimed={"zichuan-chunjie-yonggong": 500_000})
    assert not outcome(evaluate_employer(RULES, spent, date(2020, 2, 1)), "zichuan-chunjie-yonggong").applies
    assert not outcome(evaluate_employer(RULES, e, date(2020, 2, 10)), "zichuan-chunjie-yonggong").applies


def test_stable_post_refunds_for_smes_are_a_percentage_of_unemployment_insurance_paid():
    o = outcome(evaluate_employer(RULES, employer(), IN_2020), "wenjiang-wengang-fanhuan-sme")
    assert o.applies and o.amount_yuan is None and "100%" in o.amount_text and o.to_verify
    large = outcome(evaluate_employer(RULES, employer(size_class=SizeClass.large), IN_2020), o.rule_id)
    assert not large.applies
    zichuan = outcome(evaluate_employer(RULES, employer(region_code=ZICHUAN), IN_2020), "zichuan-wengang-fanhuan")
    assert "50%" in zichuan.amount_text


# ---------------------------------------------------------------- regions, explanations, 政策找人


def test_rules_follow_the_region_prefix_county_and_province_together():
    assert region_prefix("220000") == "22" and region_prefix("130900") == "1309" and region_prefix("510115") == "510115"
    grad = seeker(region_code=YUSHU, active_flags={FlagKind.graduate}, months_since_graduation=3, months_unemployed=6)
    ids = {o.rule_id for o in evaluate_hire(RULES, grad, employer(region_code=YUSHU), hire(), IN_2020)}
    assert {"jilin-xina-jiuye", "yushu-xina-biyesheng"} <= ids
    elsewhere_in_jilin = {o.rule_id for o in evaluate_hire(RULES, grad, employer(region_code=CHANGCHUN_CHAOYANG), hire(), IN_2020)}
    assert "jilin-xina-jiuye" in elsewhere_in_jilin and "yushu-xina-biyesheng" not in elsewhere_in_jilin
    wenjiang = {o.rule_id for o in evaluate_hire(RULES, grad, employer(), hire(), IN_2020)}
    assert all(i.startswith("wenjiang-") for i in wenjiang)


def test_hire_rules_follow_the_employers_region_not_the_seekers():
    grad = seeker(region_code=ZICHUAN, active_flags={FlagKind.graduate}, months_since_graduation=3)
    ids = {o.rule_id for o in evaluate_hire(RULES, grad, employer(region_code=WENJIANG), hire(), IN_2020)}
    assert "wenjiang-minying-biyesheng" in ids and not any(i.startswith("zichuan-") for i in ids)


def test_every_outcome_explains_each_condition_in_chinese():
    o = _jilin_hire(h_over={"contract_months": 11, "social_insurance": False})
    keys = [c.key for c in o.conditions]
    assert keys[0] == "valid"
    assert {"seeker.months_unemployed", "hire.contract_months", "hire.social_insurance", "cap.per_employer"} <= set(keys)
    assert [c.key for c in o.conditions if not c.met] == ["hire.contract_months", "hire.social_insurance"]
    assert all(c.label_zh and c.detail for c in o.conditions)


def test_unlocked_by_hire_lists_what_the_employer_would_receive_largest_first():
    grad = seeker(active_flags={FlagKind.graduate}, months_since_graduation=3)
    unlocked = unlocked_by_hire(RULES, grad, employer(), hire(), IN_2020)
    assert [o.rule_id for o in unlocked][:2] == ["wenjiang-minying-biyesheng", "wenjiang-xina-jiuye"]
    assert all(o.applies and o.pays is Pays.employer for o in unlocked)
    assert unlocked_by_hire(RULES, grad, employer(), hire(), date(2021, 6, 1)) == []


def test_unlocked_by_hire_is_cheap_for_fifty_candidates():
    candidates = [seeker(age=20 + i % 30, months_unemployed=i % 13, active_flags={FlagKind.graduate}, months_since_graduation=i) for i in range(50)]
    start = time.perf_counter()
    for s in candidates:
        unlocked_by_hire(RULES, s, employer(), hire(), IN_2020)
    assert time.perf_counter() - start < 0.5


# ---------------------------------------------------------------- load errors name the file and the line

VALID = """\
region:
  code: "510115"
  name: 测试区
minimum_wage:
  monthly_yuan: 2000
document:
  file: 000_6ee6945cb9904930.txt
  title: 测试文件
valid_from: 2020-01-01
valid_until: 2020-12-31
rules:
  - id: test-xina
    name: 一次性吸纳就业补贴
    pays: employer
    applies_to: hire
    seeker:
      flags: {any_of: [graduate]}
      months_unemployed: {min: 6}
    hire:
      contract_months: {min: 12}
    amount:
      fixed_yuan: 800
      per_employer_cap_yuan: 50000
    source:
      clause: 第一条
      quote: 每人800元
  - id: test-jianxi
    name: 见习补贴
    pays: employer
    applies_to: hire
    amount:
      percent_of_minimum_wage: 80
    valid_from: 2020-03-01
    valid_until: 2020-06-30
    source:
      clause: 第二条
      quote: 最低工资标准的80%
"""


def write(tmp_path: Path, text: str, name: str = "510115_test.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_valid_example_loads(tmp_path):
    rules = load_rules(write(tmp_path, VALID))
    assert [r.id for r in rules.rules] == ["test-xina", "test-jianxi"]
    assert rules.get("test-jianxi").valid_from == date(2020, 3, 1)
    assert rules.get("test-xina").valid_until == date(2020, 12, 31)  # from the header


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ("    pays: employer\n    applies_to: hire\n    seeker:", "    pays: employer\n    payer: x\n    applies_to: hire\n    seeker:", "payer: x", "未知字段 'payer'"),
        ("contract_months: {min: 12}", "contract_month: {min: 12}", "contract_month:", "未知字段 'contract_month'"),
        ("any_of: [graduate]", "any_of: [graduated]", "any_of: [graduated]", "未知的政策标识 'graduated'"),
        ("months_unemployed: {min: 6}", "months_unemployed: {min: 6, max: 3}", "months_unemployed", "永远无法满足"),
        ("fixed_yuan: 800", "fixed_yuan: -800", "fixed_yuan", "不能为负数"),
        ("per_employer_cap_yuan: 50000", "per_employer_cap_yuan: -1", "per_employer_cap_yuan", "不能为负数"),
        ("valid_until: 2020-06-30", "valid_until: 2020-02-28", "valid_until: 2020-02-28", "早于 valid_from"),
        ("percent_of_minimum_wage: 80", "percent_of_minimum_wage: 120", "percent_of_minimum_wage", "不能超过100"),
        ("fixed_yuan: 800", "percent: 101\n      base_zh: 社保费", "percent: 101", "不能超过100"),
        ("    hire:\n      contract_months", "    employer:\n      size_class: [huge]\n    hire:\n      contract_months", "size_class: [huge]", "未知的取值 'huge'"),
        ("applies_to: hire\n    seeker:", "applies_to: employer\n    seeker:", "    seeker:", "不能有 seeker 条件"),
        ("pays: employer\n    applies_to: hire\n    amount", "pays: government\n    applies_to: hire\n    amount", "pays: government", "须为以下之一"),
        ("  code: \"510115\"", "  code: \"5101\"", "code: \"5101\"", "6位行政区划代码"),
        ("contract_months: {min: 12}", "contract_months: 12", "contract_months: 12", "须为范围"),
    ],
)
def test_bad_rule_files_are_refused_naming_file_and_line(tmp_path, old, new, needle, message):
    assert old in VALID, old
    text = VALID.replace(old, new, 1)
    path = write(tmp_path, text)
    with pytest.raises(RuleFileError) as err:
        load_rules(path)
    assert f"{path}:{line_of(text, needle)}:" in str(err.value)
    assert message in str(err.value)
    assert err.value.line == line_of(text, needle)


def test_percent_of_minimum_wage_without_a_minimum_wage_in_the_header_is_refused(tmp_path):
    text = VALID.replace("minimum_wage:\n  monthly_yuan: 2000\n", "")
    path = write(tmp_path, text)
    with pytest.raises(RuleFileError, match=rf"{path.name}:{line_of(text, 'percent_of_minimum_wage')}: .*minimum_wage"):
        load_rules(path)


def test_a_rule_missing_its_source_is_refused(tmp_path):
    text = VALID.replace("    source:\n      clause: 第一条\n      quote: 每人800元\n", "")
    path = write(tmp_path, text)
    with pytest.raises(RuleFileError, match=rf"{path.name}:{line_of(text, 'id: test-xina')}: .*'source'"):
        load_rules(path)


def test_yaml_syntax_errors_and_duplicate_keys_name_the_line(tmp_path):
    broken = VALID.replace("fixed_yuan: 800", "fixed_yuan: [800")
    with pytest.raises(RuleFileError, match=r"510115_test.yaml:\d+: YAML 格式错误"):
        load_rules(write(tmp_path, broken))
    twice = VALID.replace("fixed_yuan: 800", "fixed_yuan: 800\n      fixed_yuan: 900")
    path = write(tmp_path, twice)
    with pytest.raises(RuleFileError, match=rf"{path.name}:{line_of(twice, 'fixed_yuan: 900')}: .*重复的字段"):
        load_rules(path)


def test_a_rule_id_used_in_two_files_is_refused_naming_both(tmp_path):
    write(tmp_path, VALID, "510115_a.yaml")
    write(tmp_path, VALID.replace("test-jianxi", "other"), "510115_b.yaml")
    with pytest.raises(RuleFileError) as err:
        load_rules(tmp_path)
    assert "510115_b.yaml:12:" in str(err.value) and "510115_a.yaml:12" in str(err.value)


def test_a_national_file_applies_everywhere(tmp_path):
    national = VALID.replace('code: "510115"', 'code: "000000"')
    rules = load_rules(write(tmp_path, national, "000000_national.yaml"))
    assert {r.id for r in rules.for_region(ZICHUAN)} == {"test-xina", "test-jianxi"}


def test_the_shipped_directory_is_the_default():
    assert load_rules(RULES_DIR) == RULES


def test_an_impossible_date_is_refused_naming_file_and_line_in_chinese(tmp_path):
    text = VALID.replace("valid_until: 2020-06-30", "valid_until: 2020-02-30", 1)
    path = write(tmp_path, text)
    with pytest.raises(RuleFileError) as err:
        load_rules(path)
    assert err.value.line == line_of(text, "2020-02-30")
    assert f"{path}:{err.value.line}:" in str(err.value) and "须为存在的日期" in str(err.value)


def test_an_unquoted_code_with_a_leading_zero_is_refused_not_read_as_octal(tmp_path):
    text = VALID.replace('  code: "510115"', "  code: 010100", 1)
    path = write(tmp_path, text)
    with pytest.raises(RuleFileError) as err:
        load_rules(path)
    assert err.value.line == line_of(text, "code: 010100")
    assert "八进制" in str(err.value) and '"010100"' in str(err.value)


def test_rules_check_names_file_and_line_and_exits_1(tmp_path):
    from typer.testing import CliRunner

    from service.cli import app

    good = write(tmp_path, VALID, "510115_good.yaml")
    bad = write(tmp_path, VALID.replace("fixed_yuan: 800", "fixed_yuan: -800", 1), "510115_bad.yaml")
    runner = CliRunner()
    ok = runner.invoke(app, ["rules", "check", str(good)])
    assert ok.exit_code == 0 and "2 条规则" in ok.stdout
    broken = runner.invoke(app, ["rules", "check", str(good), str(bad)])
    assert broken.exit_code == 1
    assert f"{bad}:{line_of(VALID, 'fixed_yuan: 800')}:" in broken.output and "不能为负数" in broken.output


def test_a_service_with_a_broken_rule_file_does_not_start(tmp_path):
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.settings import Settings

    bad = write(tmp_path, VALID.replace("fixed_yuan: 800", "fixed_yuan: -800", 1))
    settings = Settings(var_dir=tmp_path / "var", matching=False, rules_dir=bad,
                        secret_key="rules-test-secret-key-0123456789-abcdefgh")
    with pytest.raises(RuleFileError, match="不能为负数"), TestClient(create_app(settings)):
        pass
    from service.casework.usecases import use_rules

    use_rules(None)  # the shipped rules again for the rest of the run


EXAMPLES = Path(__file__).resolve().parents[1] / "matching" / "policies" / "examples"


def test_the_demo_example_rules_are_marked_and_valid_today():
    example = load_rules(EXAMPLES)
    today = date.today()
    assert example.rules and all(r.name.startswith("【示例】") for r in example.rules)
    assert all(r.valid_from <= today <= r.valid_until for r in example.rules), "the demo's example must be current"
    assert all(r.source.quote.startswith("本条为演示用示例") for r in example.rules)


def test_an_example_file_whose_rules_are_not_marked_is_refused(tmp_path):
    text = (EXAMPLES / "510100_chengdu_example.yaml").read_text(encoding="utf-8")
    path = write(tmp_path, text.replace("name: 【示例】吸纳就业困难人员", "name: 吸纳就业困难人员", 1), "510100_x.yaml")
    with pytest.raises(RuleFileError, match="须以“【示例】”开头"):
        load_rules(path)


def test_the_service_loads_the_shipped_rules_and_the_deployments_beside_them(tmp_path):
    from service.casework.usecases import ruleset, use_rules

    local = tmp_path / "rules"
    local.mkdir()
    (local / "510100_chengdu_example.yaml").write_bytes((EXAMPLES / "510100_chengdu_example.yaml").read_bytes())
    try:
        loaded = use_rules(local)
        ids = {r.id for r in loaded.rules}
        assert "example-chengdu-xina-kunnan" in ids and "wenjiang-xina-jiuye" in ids
        assert ruleset() is loaded
        assert {r.id for r in use_rules(tmp_path / "absent").rules} == ids - {r.id for r in load_rules(local).rules}
    finally:
        use_rules(None)

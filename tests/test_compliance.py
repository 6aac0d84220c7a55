"""岗位审核 checks (matching.compliance): the written corpus as the specification, spans, the rules' data, the
minimum-wage table, near-duplicates and the report. No database, no model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from matching import compliance as c

CORPUS = c.load_corpus()
HELDOUT = c.load_corpus(c.DATA_DIR / "corpus_heldout.jsonl")


def posting(description: str, **fields) -> c.PostingText:
    base = dict(title="普工", description=description, address="温江区海峡科技园3栋", region_code="510115",
                salary_min=4000, salary_max=6000)
    return c.PostingText(**{**base, **fields})


def rules_fired(p: c.PostingText, **kw) -> set[str]:
    return {f.rule for f in c.check(p, **kw)}


def test_the_corpus_has_200_examples_with_positives_and_negatives_for_every_rule():
    assert len(CORPUS) >= 200
    assert len({ex.id for ex in CORPUS}) == len(CORPUS)
    for key in c.rules():
        assert sum(key in ex.fires for ex in CORPUS) >= 3, key
        assert sum(key in ex.not_fires for ex in CORPUS) >= 2, key


@pytest.mark.parametrize("example", CORPUS + HELDOUT, ids=lambda ex: ex.id)
def test_each_example_fires_what_it_must_and_nothing_it_must_not(example):
    fired = c.run_example(example)
    assert example.fires <= fired, f"missed {sorted(example.fires - fired)}: {example.posting.text}"
    assert not example.not_fires & fired, f"wrongly {sorted(example.not_fires & fired)}: {example.posting.text}"


def test_every_span_is_the_text_it_points_at():
    for ex in CORPUS:
        for finding in c.check(ex.posting):
            for span in finding.spans:
                value = getattr(ex.posting, span.field)
                assert str(value)[span.start:span.end] == span.text, (ex.id, finding.rule, span)


def test_a_finding_carries_its_rule_title_severity_basis_and_span():
    [finding] = [f for f in c.check(posting("负责车间装配，限男性，能倒班。")) if f.rule == "gender"]
    assert (finding.severity, finding.title) == ("block", "性别限制")
    assert [s.text for s in finding.spans] == ["限男性"]
    assert any(b.law == "中华人民共和国就业促进法" and b.article == "第二十七条" for b in finding.basis)
    out = finding.to_dict()
    assert set(out) >= {"rule", "severity", "title", "detail", "spans", "basis"}
    assert out["spans"][0] == {"field": "description", "start": 7, "end": 10, "text": "限男性"}


def test_negations_say_the_opposite_and_do_not_fire():
    for text in ("男女不限", "性别不限", "不限户籍", "户籍不限", "欢迎宝妈", "身体健康", "无押金", "不收取任何费用",
                 "体检费公司报销", "民族不限", "宗教信仰不限", "欢迎乙肝携带者", "严禁刷单", "已婚未婚均可"):
        fired = rules_fired(posting(f"负责车间产品装配和包装，{text}。"))
        assert not fired, (text, fired)


def test_a_restriction_to_men_on_a_post_the_state_closes_to_women_is_for_review_not_block():
    [finding] = [f for f in c.check(posting("负责煤矿井下采掘作业，限男性。")) if f.rule == "gender"]
    assert finding.severity == "review" and "井下" in finding.detail


def test_age_upper_limits_ask_for_a_reason_and_show_the_one_given():
    [plain] = [f for f in c.check(posting("负责办公室文件整理，35岁以下。")) if f.rule == "age"]
    assert plain.severity == "review" and "没有写明理由" in plain.detail
    [reasoned] = [f for f in c.check(posting("因需登高作业，年龄45岁以下，负责安装。")) if f.rule == "age"]
    assert "登高作业" in reasoned.detail
    assert "age" not in rules_fired(posting("负责保洁，年龄18-60岁。"))
    assert "age" not in rules_fired(posting("负责产线操作，年满18周岁。"))
    # "90后优先" is read against the year of the check: in 2026 its oldest are 36, in 2045 they are 55
    assert "age" in rules_fired(posting("负责销售，90后优先。"), year=2026)
    assert "age" not in rules_fired(posting("负责销售，90后优先。"), year=2045)
    [field] = [f for f in c.check(posting("负责仓库管理。", age_max=30)) if f.rule == "age"]
    assert field.spans[0].field == "age_max"


def test_pay_is_read_from_the_text_in_its_units():
    pays = c.pay_in_text(c.PostingText(title="x", description="月薪3500-4500元，时薪20，日结150，年薪12万，底薪1.2k"))
    assert sorted((p.kind, p.low, p.high) for p in pays) == sorted([
        ("hourly", 20, 20), ("daily", 150, 150), ("base", 1200, 1200), ("annual", 120000, 120000),
        ("monthly", 3500, 4500)])
    assert not c.pay_in_text(c.PostingText(title="x", description="每天工作8小时，两班倒"))


def test_minimum_wage_comes_from_the_regions_table_longest_prefix_first(tmp_path: Path):
    table = tmp_path / "wages.csv"
    table.write_text("region_code,region_name,monthly,hourly,status,note\n"
                     "51,四川省,2100,22,official,x\n5101,成都市,2500,25,official,y\n", encoding="utf-8")
    wages = c.MinimumWages.load(table)
    assert wages.for_region("510115").region_name == "成都市"
    assert wages.for_region("511002").region_name == "四川省"
    assert wages.for_region("110105") is None
    p = posting("负责理货，月薪2300元。", salary_min=None, salary_max=None)
    assert "minimum_wage" in rules_fired(p, minimum_wages=wages)  # 2300 < 成都 2500
    assert "minimum_wage" not in rules_fired(p)  # the shipped table: 四川 2100
    [shipped] = [f for f in c.check(posting("负责理货，月薪1800元。")) if f.rule == "minimum_wage"]
    assert "示例标准" in shipped.detail  # the shipped values are examples, and say so
    assert "minimum_wage" not in rules_fired(posting("负责理货，月薪1800元。", region_code="650102"))


def test_base_pay_below_the_minimum_is_for_review_with_the_commission_caveat():
    [f] = [f for f in c.check(posting("负责电话销售，底薪1200+提成。", salary_min=None, salary_max=None))
           if f.rule == "minimum_wage"]
    assert f.severity == "review" and "提成" in f.detail


def test_missing_pay_place_and_duties():
    bare = c.PostingText(title="招人", region_code="510115")
    assert {"missing_pay", "missing_place", "missing_duties"} <= rules_fired(bare)
    [nego] = [f for f in c.check(posting("负责产品装配，薪资面议。", salary_min=None, salary_max=None))
              if f.rule == "missing_pay"]
    assert nego.severity == "note" and nego.spans[0].text.endswith("面议")


def test_near_duplicates_of_the_same_employer_are_for_review_of_others_a_note():
    text = "普工\n负责车间产品装配和包装，服从班组长安排。男女不限，18-55岁，月薪4000-6000元，包吃住，五险一金。"
    published = [c.Published(1, 7, text), c.Published(2, 8, text), c.Published(3, 7, "保洁员\n负责楼道清洁，月薪3000元。")]
    seen: list[str] = []

    def nearby(t: str):
        seen.append(t)
        return published

    found = c.near_duplicates(text, nearby, employer_id=7)
    assert seen == [text]
    assert [(f.severity, f.related_ids) for f in found] == [("review", (1,)), ("note", (2,))]
    assert [f.related_ids for f in c.near_duplicates(text, nearby, employer_id=7, exclude_id=1)] == [(2,)]
    assert c.near_duplicates(text, lambda _t: [], employer_id=7) == []


def test_findings_come_most_severe_first_one_per_rule_and_severity():
    found = c.check(posting("限男性，男士优先，35岁以下，薪资面议。", salary_min=None, salary_max=None))
    assert [f.severity for f in found] == sorted((f.severity for f in found), key=c.SEVERITIES.index)
    gender = [f for f in found if f.rule == "gender"]
    assert len(gender) == 1 and [s.text for s in gender[0].spans] == ["限男性", "男士优先"]


def test_every_rule_is_described_in_its_data_with_a_basis():
    for key, rule in c.rules().items():
        assert rule.severity in c.SEVERITIES and rule.title and rule.explanation and rule.basis, key
        for basis in rule.basis:
            assert basis.law and basis.article.startswith("第"), (key, basis)
            assert basis.checked or basis.note, (key, basis)  # an unchecked article says why


def test_the_report_prints_precision_and_recall_per_rule():
    out = subprocess.run([sys.executable, "-m", "matching.compliance", "--report"], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parents[1]).stdout
    assert f"{len(CORPUS)} examples" in out
    for key in c.rules():
        assert any(line.startswith(key + " ") for line in out.splitlines()), key
    scores = c.score(CORPUS)
    assert all(s.tp + s.fn > 0 for s in scores.values())


def test_a_deployments_minimum_wage_table_that_cannot_be_read_stops_the_settings(tmp_path: Path):
    from pydantic import ValidationError

    from service.settings import Settings

    broken = tmp_path / "wages.csv"
    broken.write_text("region_code,monthly\n51,abc\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="RENGANG_MINIMUM_WAGE_FILE"):
        Settings(env="test", minimum_wage_file=broken)
    with pytest.raises(ValidationError, match="RENGANG_MINIMUM_WAGE_FILE"):
        Settings(env="test", minimum_wage_file=tmp_path / "missing.csv")
    good = tmp_path / "good.csv"
    good.write_text("region_code,region_name,monthly,hourly,status,note\n51,四川省,2100,22,official,x\n",
                    encoding="utf-8")
    assert Settings(env="test", minimum_wage_file=good).minimum_wage_file == good


def test_what_reads_like_a_fee_or_pay_or_a_sex_but_is_not():
    # fees the employer pays, and a warning against fees
    assert not rules_fired(posting("负责产品装配，公司承担员工考取职业资格证书的培训费和考试费。"))
    assert not rules_fired(posting("负责产品装配。如遇以公司名义收取培训费、服装费、体检费等情况，请立即举报。"))
    # an allowance is not the wage
    assert not rules_fired(posting("负责产品装配，月薪4500元，餐补每天20元，交通补贴每月300元。"))
    # an age limit for each sex (the retirement ages) is not a restriction to one sex
    assert "gender" not in rules_fired(posting("负责小区保洁，要求：女55岁以下，男60岁以下，身体健康。"))
    assert "gender" in rules_fired(posting("负责小区巡逻，要求：男，55岁以下，身体健康。"))


def test_a_sex_in_a_compound_word_is_not_a_restriction_and_a_fee_the_employer_pays_is_not_a_charge():
    for text in ("招聘女装导购2名", "招聘男装店员", "急招女鞋销售", "招聘男篮教练", "招聘男科医生", "要求女装行业经验",
                 "限男/女均可"):
        assert "gender" not in rules_fired(posting(f"{text}，负责接待顾客。")), text
    for text in ("招女工", "招聘女服务员", "限男", "只招男的"):
        assert "gender" in rules_fired(posting(f"{text}，负责接待顾客。")), text
    for text in ("公司为员工缴纳保险费", "负责小区物业管理费收缴和住户服务", "公司统一购买意外险，不收保险费"):
        assert "fees" not in rules_fired(posting(f"负责产品装配，{text}。")), text
    for text in ("入职交押金", "押金200元", "需自行缴纳保险费"):
        assert "fees" in rules_fired(posting(f"负责产品装配，{text}。")), text

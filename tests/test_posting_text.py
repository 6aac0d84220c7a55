"""A posting's embedded text is about the job: duties and requirements first, the company introduction last and cut
first, place and contact left out; the model (which reads 128 tokens) sees the work, not the company."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from matching.text import POSTING_TEXT_CHARS, normalize, posting_text

# About 600 characters of company introduction with no header, as real postings open.
COMPANY = (
    "江苏恒通物流集团有限公司成立于2003年，总部位于南京市江宁区，注册资本1.2亿元，是一家集公路运输、仓储配送、"
    "供应链管理和冷链物流于一体的国家5A级综合物流企业。集团旗下拥有南京、苏州、无锡、徐州等12家子公司，"
    "自有运输车辆800余台，仓储面积超过30万平方米，服务客户涵盖快消、家电、汽车零部件、医药等多个行业，"
    "与多家世界500强企业建立了长期稳定的合作关系。公司秉承“安全、准时、高效、诚信”的经营理念，"
    "致力于为客户提供一站式物流解决方案，先后荣获中国物流百强企业、江苏省重点物流企业、全国先进物流企业、"
    "南京市文明单位等多项荣誉称号。集团坚持以人为本，重视员工培养和职业发展，建立了完善的培训体系和晋升通道，"
    "每年投入大量资金用于员工技能提升和管理人才储备。近年来，集团积极推进数字化转型，自主研发了智能仓储管理系统、"
    "运输管理平台和供应链协同平台，实现了订单、仓储、运输、结算全流程的信息化管理，"
    "业务规模和服务能力持续提升，已发展成为长三角地区具有较强影响力的综合物流服务商，"
    "并计划在未来三年内完成在主板上市的目标，进一步扩大在全国范围内的网络布局。集团现有员工2600余人，"
    "其中管理和技术人员400余人，在南京、苏州和合肥设有三个区域运营中心和二十余个分拨站点，"
    "形成了覆盖华东、辐射全国的运输和仓储网络，年营业收入超过15亿元。公司注重安全生产管理，"
    "连续多年保持零重大安全事故记录，车辆全部安装北斗定位和智能监控设备。"
)
DUTIES = "1. 负责仓库货物的叉车装卸、搬运和码放；\n2. 按出入库单据核对货物数量，配合盘点；\n3. 做好叉车日常检查和保养。"
REQUIREMENTS = "1. 持有效叉车操作证（N1）；\n2. 一年以上仓库叉车驾驶经验；\n3. 能适应两班倒，吃苦耐劳。"
JD = (COMPANY + "\n\n岗位职责：\n" + DUTIES + "\n任职要求：\n" + REQUIREMENTS
      + "\n薪资福利：月薪6000-8000元，五险一金，包住宿。\n工作地点：南京市江宁区秣陵街道\n联系电话：025-52123456")


def test_the_company_introduction_is_long():
    assert len(COMPANY) >= 600


def test_duties_and_requirements_come_before_the_company():
    text = posting_text("叉车司机", "叉车司机", ["叉车"], "", JD)
    assert text.startswith("叉车司机；")
    duties, requirements, company = text.find("负责仓库货物"), text.find("叉车操作证"), text.find("恒通物流集团")
    assert 0 < duties < requirements < company
    assert "江宁区秣陵街道" not in text and "52123456" not in text  # place and contact left out
    assert "月薪6000-8000元" in text
    assert len(text) <= POSTING_TEXT_CHARS


def test_what_the_model_reads_is_the_work():
    """The model reads about the first 120 characters: they hold the duties, and no company."""
    head = posting_text("叉车司机", None, [], "", JD)[:120]
    assert "叉车装卸" in head and "集团" not in head and "成立于" not in head


def test_the_requirements_field_is_requirements_and_comes_after_the_duties():
    text = posting_text("叉车司机", None, [], REQUIREMENTS, COMPANY + "\n岗位职责：" + DUTIES)
    assert text.index("要求：") < text.index("公司：") and text.index("职责：") < text.index("要求：")


def test_the_company_is_cut_first_and_duties_and_requirements_last():
    long_duties = "岗位职责：" + "负责生产线设备的操作、巡检和保养，记录运行参数；" * 80
    text = posting_text("设备操作工", None, [], "", COMPANY + "\n" + long_duties + "\n任职要求：" + REQUIREMENTS)
    assert len(text) <= POSTING_TEXT_CHARS
    assert "叉车操作证" in text  # a very long duties section does not push the requirements out
    assert "恒通物流" not in text


def test_a_posting_without_sections_reads_as_before():
    text = posting_text("叉车司机", "起重装卸机械操作工", ["仓储"], "持叉车证", "负责仓库货物装卸")
    assert text == "叉车司机；职业：起重装卸机械操作工；技能：仓储；要求：持叉车证；负责仓库货物装卸"


@pytest.fixture(scope="module")
def service_embedder(models_dir):
    """The model as the service runs it: reading the first 128 tokens."""
    from matching.embedder import load_embedder

    return load_embedder(models_dir=models_dir, precision="float32", max_tokens=128)


def test_the_embedding_is_of_the_job_not_of_the_company(service_embedder):
    """The text as it was built before (title, requirements, then the description from its start) embeds the
    company introduction; the sectioned one embeds the forklift job."""
    before = "叉车司机；" + normalize(JD)
    after = posting_text("叉车司机", None, [], "", JD)
    docs = service_embedder.encode_documents([before, after])
    job, company = service_embedder.encode_queries(["仓库叉车司机，有叉车证，会装卸搬运", "物流集团公司介绍 注册资本 荣誉"])
    before_job, after_job = docs @ job
    assert after_job > before_job + 0.02, (before_job, after_job)
    assert float(np.dot(docs[1], company)) < float(np.dot(docs[0], company))


def test_a_vector_of_the_text_built_before_is_embedded_again_once_queued(mclient, mkeys, matching_app):
    """What migration 0009 does for every stored posting: queued once, the worker compares the stored vector's text
    with the one the posting now gives and embeds it again; the replica then holds the new text (lexical input)."""
    from sqlalchemy import select, update

    from matching.embedder import text_hash
    from service import changes
    from service.facts import occupation_label
    from service.models import Embedding
    from tests.factories import create_employer, create_job

    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    job = create_job(mclient, admin, employer_id=employer["id"], title="叉车司机", description=JD, requirements="")
    engine = matching_app.state.matcher
    now = posting_text("叉车司机", occupation_label("6-30-05-01"), ["叉车", "仓储"], "", JD)  # the factory's
    before = "叉车司机；" + normalize(JD)[:500]
    with engine.session_factory() as session:
        stored = session.scalars(select(Embedding).where(Embedding.kind == "job",
                                                         Embedding.record_id == job["id"])).one()
        assert stored.text == now
        session.execute(update(Embedding).where(Embedding.kind == "job", Embedding.record_id == job["id"])
                        .values(text=before, text_hash=text_hash(before)))
        changes.enqueue(session, [{"kind": "job", "record_id": job["id"], "version": 1,
                                   "queued_at": datetime.now(UTC)}])
        session.commit()
    mclient.get("/api/v1/jobs", headers=admin)  # settles: the queue drained, the log followed
    with engine.session_factory() as session:
        again = session.scalars(select(Embedding).where(Embedding.kind == "job",
                                                        Embedding.record_id == job["id"])).one()
        assert again.text == now and again.text_hash == text_hash(now)
    assert engine.replica.views["job"].store.texts([job["id"]])[job["id"]] == now


BROCHURE = """【企业文化】
我们崇尚务实和诚信，员工是公司最宝贵的财富。

岗位1：包装工（招聘3人）
岗位职责：负责成品装箱、封箱、贴标签。
岗位要求：18-50岁，手脚麻利。

岗位2：Java开发实习生（招聘10人）
岗位职责：在导师指导下参与后端模块开发。
任职要求：2026届本科在读。

岗位3：叉车司机（招聘2人）
岗位职责：负责仓库货物装卸。
任职要求：持叉车证。

本次重点招聘岗位：
岗位职责：负责后端服务开发，基于Spring Boot/Spring Cloud。
任职要求：三年以上Java开发经验，熟悉MySQL和Redis。
"""


def test_a_brochure_gives_the_postings_own_text_not_the_other_positions():
    """A recruitment brochure (招聘简章) listing other positions around the posting's own: only its own."""
    text = posting_text("Java开发工程师", None, [], "", BROCHURE)
    assert text.index("职责：负责后端服务开发") < text.index("要求：三年以上Java开发经验")
    assert "装箱" not in text and "叉车" not in text and "导师指导" not in text
    assert "务实和诚信" in text  # what is common to all stays


def test_a_brochure_position_the_title_names_is_the_postings_own():
    text = posting_text("叉车司机（长白班）", None, [], "", BROCHURE)
    assert text.startswith("叉车司机（长白班）；职责：负责仓库货物装卸") and "要求：持叉车证" in text
    assert "装箱" not in text and "导师指导" not in text

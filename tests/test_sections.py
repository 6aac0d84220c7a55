"""The sections of a real job description: duties, requirements, benefits, company, place, time and contact, with
the many ways postings write their headers (the fixtures are written for these tests, in the forms Chinese job
boards publish: BOSS-style blocks, 【】 headers, numbered lists, inline headers, HTML, English)."""

from __future__ import annotations

import pytest

from matching.sections import Section, SectionKind, find_posts, find_sections, section_texts

K = SectionKind


def kinds(text: str) -> list[str]:
    return [s.kind.value for s in find_sections(text)]


def body(text: str, kind: SectionKind) -> str:
    return section_texts(text).get(kind, "")


UNHEADED_INTRO = """杭州云帆科技有限公司成立于2015年，总部位于杭州市滨江区，是一家专注于金融科技的国家高新技术企业，注册资本5000万元。公司旗下拥有多个子品牌，服务客户超过2000家。
公司秉承“客户第一”的理念，团队年轻有活力。

【岗位职责】
1. 负责公司核心业务系统的前后端开发；
2. 参与需求评审和技术方案设计。
【任职要求】
1、本科及以上学历，计算机相关专业；
2、熟悉Java、Spring Boot、Vue；
福利待遇：五险一金，带薪年假，年终奖
工作地点：杭州市滨江区网商路699号
有意者请将简历发送至 hr@yunfan.example.com
"""

BOSS_BLOCK = """职位描述
岗位职责：
1.负责门店日常销售及客户接待；
2.负责商品陈列与库存盘点。
任职要求：
1.高中及以上学历，有零售经验者优先；
2.形象好，沟通能力强。
"""

INLINE = "岗位职责：负责仓库收发货和盘点。任职要求：高中以上学历，有叉车证优先。福利待遇：包吃住，五险，月休四天。"

NUMBERED_CHINESE = """一、公司简介
本公司是一家集种苗繁育、园林绿化施工于一体的农业企业，基地占地500亩。
二、岗位职责
负责苗圃日常养护、修剪、施肥和病虫害防治。
三、任职资格
1. 有园艺或植保工作经验；
2. 能适应户外工作。
四、薪资福利
底薪4500元+绩效，包住宿。
"""

PAREN_NUMBERED = """(1)工作内容：操作注塑机，按作业指导书完成产品生产和自检。
(2)招聘要求：18-45岁，身体健康，能适应两班倒。
(3)薪资待遇：综合工资6000-8000元/月。
(4)工作时间：两班倒，每天11小时。
"""

ENGLISH = """About us
We are a leading cross-border e-commerce company founded in 2012 and headquartered in Shenzhen.

Responsibilities:
- Build and maintain data pipelines for our marketplace analytics.
- Work with product teams on A/B testing.

Requirements:
- 3+ years of experience with SQL and Python.
- Familiar with Spark or Flink.

What we offer:
- Competitive salary and stock options.
"""

HTML = ("<p><strong>岗位职责</strong></p><p>1、负责店铺客服咨询和售后处理；</p><p>2、维护客户关系。</p>"
        "<p><b>任职要求：</b></p><ul><li>打字速度60字/分钟以上</li><li>熟悉淘宝、拼多多后台</li></ul>"
        "<p>福利待遇：&nbsp;五险一金&amp;节日福利</p>")

MARKDOWN = """**岗位职责：**
负责小区绿化养护、浇水和除草。
**任职要求：**
能吃苦耐劳，年龄60岁以下。
"""

NO_HEADERS = "招聘普工，负责流水线操作，能吃苦耐劳，月薪5000-7000元，包吃住，长白班。"

ALL_COMPANY = """华盛集团创立于1998年，是中国500强企业，总部设在上海。
集团业务覆盖物流、地产、零售等领域，拥有员工3万余人，荣获全国文明单位等荣誉。
"""

COMPANY_LAST = """岗位职责：
1、负责数据清洗、统计分析和报表制作；
2、搭建业务指标体系。
任职要求：
1、统计学、数学相关专业，熟练使用SQL、Excel；
2、有Python或R经验者优先。
公司介绍：
我们是一家成立于2009年的互联网医疗公司，已在港交所上市。
"""

INTRO_TURNS_TO_JOB = ("绿源园林有限公司成立于2010年，是一家专业从事园林绿化工程的企业。因业务发展需要，现招聘园艺师2名。"
                      "\n要求：有园林相关工作经验，会修剪造型。")

INTERNET_STYLE = """你将负责：
- 设计并实现推荐系统的召回与排序模块
- 持续优化线上效果
我们希望你：
- 计算机相关专业硕士及以上
- 熟悉C++或Go
我们提供：
- 弹性工作，免费三餐
"""

POST_NAMED = """Java开发工程师岗位职责：
1. 参与银行核心系统开发（驻场）；
Java开发工程师任职要求：
1. 三年以上Java开发经验；
"""

FIELDS = """工作时间：8:00-17:30，月休4天
上班地址：成都市温江区海峡两岸科技产业园
联系人：王经理
电话：028-82345678
"""

SUB_FIELDS = """岗位职责：负责叉车驾驶和货物装卸。
学历要求：初中及以上
经验要求：一年以上
年龄要求：20-50岁
"""

FALSE_FRIENDS = """岗位职责：
1. 负责公司员工工资核算及社保缴纳，要求细致准确；
2. 协助主管处理薪资、福利相关事务；
3. 完成领导交办的其他工作。
"""

SPACED = "岗位职责 负责酒店客房清洁和布草更换\n任职要求 50岁以下，吃苦耐劳"

BRACKETS_INLINE = "诚聘厨师。【岗位职责】负责后厨热菜制作。【任职要求】持健康证，两年以上经验。【福利待遇】包吃住。"


CASES = [
    (UNHEADED_INTRO, ["company", "duties", "requirements", "benefits", "place", "contact"]),
    (BOSS_BLOCK, ["duties", "requirements"]),
    (INLINE, ["duties", "requirements", "benefits"]),
    (NUMBERED_CHINESE, ["company", "duties", "requirements", "benefits"]),
    (PAREN_NUMBERED, ["duties", "requirements", "benefits", "time"]),
    (ENGLISH, ["company", "duties", "requirements", "benefits"]),
    (HTML, ["duties", "requirements", "benefits"]),
    (MARKDOWN, ["duties", "requirements"]),
    (NO_HEADERS, ["other"]),
    (ALL_COMPANY, ["company"]),
    (COMPANY_LAST, ["duties", "requirements", "company"]),
    (INTRO_TURNS_TO_JOB, ["company", "other", "requirements"]),
    (INTERNET_STYLE, ["duties", "requirements", "benefits"]),
    (POST_NAMED, ["duties", "requirements"]),
    (FIELDS, ["time", "place", "contact", "contact"]),
    (SUB_FIELDS, ["duties", "requirements", "requirements", "requirements"]),
    (FALSE_FRIENDS, ["duties"]),
    (SPACED, ["duties", "requirements"]),
    (BRACKETS_INLINE, ["other", "duties", "requirements", "benefits"]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[f"jd{i}" for i in range(len(CASES))])
def test_sections_are_found_in_order(text, expected):
    assert kinds(text) == expected


@pytest.mark.parametrize("text", [t for t, _ in CASES], ids=[f"jd{i}" for i in range(len(CASES))])
def test_spans_are_in_order_and_point_into_the_text_as_given(text):
    sections = find_sections(text)
    for a, b in zip(sections, sections[1:], strict=False):
        assert a.end <= b.start
    for s in sections:
        raw = text[s.start:s.end]
        assert isinstance(s, Section) and s.text and raw.strip() == raw
        if s.header:
            assert s.header.lower() in raw.lower()
        # The body's first words are in the span (HTML spans hold them with their tags).
        assert s.text.split()[0][:4] in raw.replace("&nbsp;", " ").replace("&amp;", "&")


def test_an_unheaded_company_introduction_is_company_and_its_second_paragraph_too():
    company = body(UNHEADED_INTRO, K.company)
    assert company.startswith("杭州云帆科技有限公司成立于2015年") and "客户第一" in company
    assert "Java" in body(UNHEADED_INTRO, K.requirements) and "前后端开发" in body(UNHEADED_INTRO, K.duties)
    assert "hr@yunfan" in body(UNHEADED_INTRO, K.contact)


def test_an_introduction_ends_where_it_turns_to_the_job():
    sections = find_sections(INTRO_TURNS_TO_JOB)
    assert sections[0].text.endswith("园林绿化工程的企业。")
    assert sections[1].text.startswith("因业务发展需要") and sections[1].kind is K.other
    assert sections[2].header == "要求" and "修剪造型" in sections[2].text


def test_html_is_read_as_text_with_offsets_into_the_markup():
    sections = find_sections(HTML)
    assert sections[0].header == "岗位职责" and "<strong>" in HTML[sections[0].start:sections[0].end]
    assert "<" not in "".join(s.text for s in sections)
    assert sections[2].text == "五险一金&节日福利"


def test_words_inside_a_sentence_are_not_headers():
    duties = find_sections(FALSE_FRIENDS)[0]
    assert duties.text.count("\n") == 2 and "薪资、福利" in duties.text


def test_inline_headers_split_one_line():
    assert body(INLINE, K.duties) == "负责仓库收发货和盘点。"
    assert body(INLINE, K.requirements) == "高中以上学历，有叉车证优先。"


def test_field_sections_end_at_their_line():
    text = "岗位职责：送外卖。\n工作地点：温江区\n熟悉本地道路，有电动车。"
    assert kinds(text) == ["duties", "place", "other"]


def test_an_empty_or_blank_description_has_no_sections():
    assert find_sections("") == [] and find_sections(None) == [] and find_sections(" \n\t ") == []


def test_a_header_with_nothing_under_it_is_left_out():
    assert [s.header for s in find_sections(BOSS_BLOCK)] == ["岗位职责", "任职要求"]


NAMED_COMPANY = ("重庆宏达建筑劳务有限公司具有建筑劳务施工资质，长期承接住宅、厂房项目的钢筋和模板工程，目前在建项目多个。\n"
                 "主要干：钢筋下料、绑扎，听班组长安排。\n要求：60岁以下，有经验。")

HEADER_WORDS_INSIDE_ITEMS = """任职要求：
1. 持低压电工证
2. 2年以上维修经验
3. Database: MySQL 或 PostgreSQL
工作地点：温江区
"""

BROCHURE = """【企业文化】
我们崇尚务实和诚信。

岗位1：包装工（招聘3人）
岗位职责：负责成品装箱、封箱、贴标签。
岗位要求：18-50岁，手脚麻利。

岗位2：叉车司机（招聘2人）
岗位职责：负责仓库货物装卸。
任职要求：持叉车证。

本次重点招聘岗位：
岗位职责：负责后端服务开发，基于Spring Boot。
任职要求：三年以上Java开发经验。
"""


def test_a_company_named_at_the_start_of_a_paragraph_is_company():
    assert kinds(NAMED_COMPANY) == ["company", "duties", "requirements"]
    assert body(NAMED_COMPANY, K.duties).startswith("钢筋下料")


def test_header_words_at_the_end_of_an_item_or_inside_a_word_are_not_headers():
    assert kinds(HEADER_WORDS_INSIDE_ITEMS) == ["requirements", "place"]
    assert "MySQL" in body(HEADER_WORDS_INSIDE_ITEMS, K.requirements)


def test_the_positions_of_a_brochure_are_found_each_up_to_a_blank_line():
    posts = find_posts(BROCHURE)
    assert [p.name for p in posts] == ["包装工", "叉车司机"]
    assert BROCHURE[posts[0].start:posts[0].end].endswith("手脚麻利。")
    assert "Spring Boot" not in "".join(BROCHURE[p.start:p.end] for p in posts)
    assert find_posts(UNHEADED_INTRO) == [] and find_posts(NUMBERED_CHINESE) == []

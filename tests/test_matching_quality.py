"""Matching on real-looking postings through the API (issue 16's failure classes), with the real default model:
requests understood, relevance before distance and pay, duplicates folded, a floor instead of padding, and
explanations that state only what the asker said."""

from __future__ import annotations

from tests.factories import create_employer, create_job, create_seeker

SHENZHEN_NANSHAN, SHENZHEN_FUTIAN, HANGZHOU_XIHU, CHENGDU_WUHOU = "440305", "440304", "330106", "510107"

COMPANY_INTRO = ("公司成立于2008年，总部位于深圳，是一家专注于工业软件与智能制造的国家高新技术企业，"
                 "在北京、上海、成都设有研发中心，员工六百余人，拥有自主知识产权一百余项。")
ANALYST_JD = ("岗位职责：1. 负责业务数据的提取、清洗与分析，输出分析报告；2. 搭建指标体系和BI看板。"
              "任职要求：统计学、数学相关专业，熟练使用SQL、Python、Excel。")


def _post(client, headers, employer_id, title, description, region_code, **fields):
    """A posting as a platform sends it: no occupation code, skills or requirements fields of its own."""
    plain = {"occupation_code": None, "skills": [], "requirements": "", "room_board": False,
             "education_min": None, "experience_years": None, "salary_min": None, "salary_max": None}
    return create_job(client, headers, employer_id=employer_id, title=title, description=description,
                      region_code=region_code, **(plain | fields))


def _text(client, headers, text, **fields):
    r = client.post("/api/v1/matches/jobs", json={"text": text, **fields}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_request_is_understood_and_said_back(mclient, mkeys):
    admin = mkeys.headers("admin")
    body = _text(mclient, admin, "会开叉车，五千以上，包住，在深圳", k=5)
    understood = body["understood"]
    assert understood["salary_floor"] == 5000
    assert understood["intents"] == ["room_board"]
    assert understood["place"] == {"code": "4403", "name": "深圳市"}
    assert understood["summary"].startswith("理解为：") and "包吃住" in understood["summary"]
    assert "深圳市" in understood["summary"]


def test_an_internship_request_gets_internships_first_and_duplicates_fold(mclient, mkeys):
    """"统计学研一，想找数据分析实习" got ten copies of "招聘数据分析" from different employers and no internship."""
    admin = mkeys.headers("admin")
    agencies = [create_employer(mclient, admin, region_code=HANGZHOU_XIHU) for _ in range(4)]
    copies = [_post(mclient, admin, e["id"], "招聘数据分析", COMPANY_INTRO + ANALYST_JD, HANGZHOU_XIHU,
                    salary_min=8000, salary_max=12000) for e in agencies]
    intern = _post(mclient, admin, agencies[0]["id"], "数据分析实习生",
                   "岗位职责：协助分析师整理业务数据、制作周报。任职要求：在校研究生或本科生，统计学相关专业，每周到岗4天，"
                   "实习期3个月以上。", HANGZHOU_XIHU, salary_min=3000, salary_max=4000)
    _post(mclient, admin, agencies[1]["id"], "淘宝客服", "负责淘宝店铺售前售后咨询，回复买家消息，处理退换货。",
          HANGZHOU_XIHU, salary_min=4000, salary_max=5500)
    body = _text(mclient, admin, "统计学研一，想找数据分析实习", k=5, scope="anywhere")
    assert "实习" in body["understood"]["summary"]
    items = body["items"]
    assert items[0]["id"] == intern["id"], [i["job"]["title"] for i in items]
    assert "符合实习" in items[0]["explanation"]["summary"]
    copy_ids = {c["id"] for c in copies}
    shown_copies = [i for i in items if i["id"] in copy_ids]
    assert len(shown_copies) == 1, [i["job"]["title"] for i in items]  # four re-posts, one result
    assert {shown_copies[0]["id"], *shown_copies[0]["similar_ids"]} == copy_ids


def test_relevance_comes_before_place_and_pay(mclient, mkeys):
    """"深圳 C++ Qt" ranked data-analyst postings 4th and 6th on location alone."""
    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin, region_code=SHENZHEN_NANSHAN)
    cpp = [_post(mclient, admin, employer["id"], title, COMPANY_INTRO + jd, SHENZHEN_NANSHAN, salary_min=15000,
                 salary_max=25000)
           for title, jd in [("C++开发工程师", "岗位职责：基于Qt开发工业上位机软件。任职要求：精通C++，熟悉Qt、多线程。"),
                             ("Qt软件工程师", "岗位职责：负责Qt界面与跨平台桌面软件开发。任职要求：C++基础扎实。")]]
    others = [create_employer(mclient, admin, region_code=SHENZHEN_FUTIAN) for _ in range(2)]
    analysts = [_post(mclient, admin, e["id"], "数据分析师", ANALYST_JD, SHENZHEN_FUTIAN, salary_min=20000,
                      salary_max=30000) for e in others]
    body = _text(mclient, admin, "深圳 C++ Qt", k=10, region_code=SHENZHEN_FUTIAN, scope="city")
    order = [i["id"] for i in body["items"]]
    assert set(order[:2]) == {p["id"] for p in cpp}, [i["job"]["title"] for i in body["items"]]
    assert all(order.index(a["id"]) > 1 for a in analysts if a["id"] in order)


def test_a_place_said_in_the_words_is_where_the_search_looks(mclient, mkeys):
    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    sz = _post(mclient, admin, employer["id"], "保洁员", "负责写字楼公共区域日常清洁。", SHENZHEN_NANSHAN)
    cd = _post(mclient, admin, employer["id"], "保洁员", "负责小区公共区域日常清洁，打扫楼道。", CHENGDU_WUHOU)
    body = _text(mclient, admin, "深圳 保洁", k=5)
    ids = [i["id"] for i in body["items"]]
    assert ids[0] == sz["id"]  # the place said first; the same work elsewhere after it, and said so
    assert cd["id"] in ids and any("深圳市" in n and "其他地区" in n for n in body["understood"]["notes"])
    body = _text(mclient, admin, "拉萨 保洁", k=5)  # none there: said so, and the search widens
    assert {sz["id"], cd["id"]} <= {i["id"] for i in body["items"]}
    assert any("拉萨" in n for n in body["understood"]["notes"])


def test_an_anonymous_request_is_never_told_facts_it_did_not_give(mclient, mkeys):
    """An anonymous user without education was told "要求高中中专及以上，本人博士"."""
    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    post = _post(mclient, admin, employer["id"], "仓库管理员", "负责仓库收发货与盘点。", CHENGDU_WUHOU,
                 education_min="senior_high", age_min=20, age_max=45)
    body = _text(mclient, admin, "仓库管理", k=3, scope="anywhere")
    item = next(i for i in body["items"] if i["id"] == post["id"])
    details = " ".join(f["detail"] for f in item["explanation"]["filters"])
    assert "本人" not in details and "博士" not in details
    assert "未提供学历" in details and "未提供年龄" in details
    assert "距您" not in item["explanation"]["summary"]  # no place was given


def test_a_candidate_list_says_few_fit_instead_of_padding(mclient, mkeys):
    """A list for a 淘宝客服 posting was filled with 美工, 全栈, C++ and 园林 people at fit 0.34–0.45."""
    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin, region_code=HANGZHOU_XIHU)
    post = _post(mclient, admin, employer["id"], "淘宝客服", "负责淘宝店铺售前售后在线咨询，回复旺旺消息，处理退换货与中差评。",
                 HANGZHOU_XIHU, salary_min=4000, salary_max=6000)
    fitting = create_seeker(mclient, admin, region_code=HANGZHOU_XIHU, desired_occupations=["客服"], skills=["在线客服"],
                            experience="在天猫店做过两年售前售后客服，打字快", desired_regions=[])
    for words, skills in [("园林绿化，修剪苗木，种植草坪", ["绿化"]), ("钢筋绑扎，工地干了十年", ["钢筋工"]),
                          ("C++底层开发，熟悉Linux内核驱动", ["C++"]), ("开挖掘机，有证", ["挖掘机"])]:
        create_seeker(mclient, admin, region_code=HANGZHOU_XIHU, desired_occupations=[], skills=skills,
                      experience=words, desired_regions=[])
    r = mclient.get(f"/api/v1/jobs/{post['id']}/matches", params={"k": 5, "scope": "anywhere"}, headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["items"][0]["id"] == fitting["id"]
    assert len(body["items"]) < 5 and body["notice"], body


def test_a_stored_profile_is_read_the_same_way_and_said_back(mclient, mkeys):
    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    with_board = _post(mclient, admin, employer["id"], "叉车司机", "仓库货物装卸，提供员工宿舍，包吃住。", CHENGDU_WUHOU,
                       skills=["叉车"])
    without = _post(mclient, admin, employer["id"], "叉车工", "物流园叉车作业，两班倒，不包住。", CHENGDU_WUHOU,
                    skills=["叉车"])
    seeker = create_seeker(mclient, admin, region_code=CHENGDU_WUHOU, desired_occupations=["叉车司机"],
                           self_intro="开了五年叉车，外地人，想找包住的", desired_regions=[], desired_salary_min=4000)
    body = mclient.get(f"/api/v1/seekers/{seeker['id']}/matches", params={"k": 5}, headers=admin).json()
    understood = body["understood"]
    assert understood["intents"] == ["room_board"] and understood["salary_floor"] == 4000
    assert understood["occupations"] and "叉车" in understood["skills"]
    order = [i["id"] for i in body["items"]]
    assert order.index(with_board["id"]) < order.index(without["id"])
    assert "符合包吃住" in body["items"][0]["explanation"]["summary"]

"""Writes the realistic set from its hand-written material (``material.py``, ``asks.py``); see README.md.

    python matching/data/eval/realistic/compose.py          # rewrite postings.jsonl, queries.jsonl, seekers.jsonl, qrels.tsv
    python matching/data/eval/realistic/compose.py --check  # exit 1 if the files differ from what the material gives

Deterministic: every choice comes from one seeded generator, so the files are reproducible from this directory.
The grades in ``qrels.tsv`` follow the written rules in :func:`grade` from what each ask states and what each
posting says; no system's output is read.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[3])]  # the material beside this file; the project

from asks import QUERIES, SEEKERS  # noqa: E402
from material import EMPLOYERS, INTRO_BOILERPLATE, KINDS  # noqa: E402

SEED = 20261205
COUNTIES = HERE.parents[1] / "regions" / "cn_counties_2022_with_coords.csv"
REQUEST_KEYS = ("text", "region_code", "scope", "salary_floor", "work_types", "room_board", "skills", "education",
                "age")
VALID_UNTIL = "2027-06-30"  # replaced by the harness with today + 30 days

DUTY_HEADERS = ["岗位职责", "工作职责", "工作内容", "职位描述", "你将负责", "主要工作", "岗位描述"]
REQ_HEADERS = ["任职要求", "岗位要求", "任职资格", "我们希望你", "职位要求", "招聘条件", "应聘条件"]
PERK_HEADERS = ["福利待遇", "薪资福利", "我们提供", "待遇", "员工福利", "薪酬福利"]
INTRO_HEADERS = ["公司简介", "关于我们", "企业介绍", "公司介绍"]
CN_NUM = "一二三四五六七八"
EDU_WORDS = {"junior_middle": "初中", "senior_high": "高中/中专", "associate": "大专", "bachelor": "本科", "master": "硕士"}
WT_WORDS = {"full_time": "全职", "part_time": "兼职", "flexible": "灵活用工", "seasonal": "季节工", "internship": "实习"}

# The same posting re-published: by an agency (several for the kinds agencies push), or by its own employer again.
AGENCY_REPOSTS = {"data_analyst": [1, 1, 1], "pugong": [0, 0, 1], "cleaner": [1, 1], "forklift": [0],
                  "java": [2], "cs_taobao": [1], "carer": [1]}
EMPLOYER_REPEATS = {"pugong": "急招", "guard": "长期招", "cs_taobao": "2026新", "gardener": "急聘", "cpp": "急"}
# Long postings: kind → (which of its postings, the brochure it sits in: "" = only the long company introduction)
LONG = {"java": (0, "all"), "pugong": (1, "plant"), "data_analyst": (2, "campus"), "cook": (0, ""), "carer": (0, ""),
        "live_ops": (0, "")}


def regions() -> dict[str, dict]:
    with open(COUNTIES, encoding="utf-8", newline="") as f:
        return {row["county_code"]: row for row in csv.DictReader(f)}


def sectors_of(kind: dict) -> list[str]:
    return [kind["sector"]] if isinstance(kind["sector"], str) else list(kind["sector"])


def address_of(code: str, table: dict[str, dict]) -> str:
    row = table[code]
    parts = [row["province_name"], row["city_name"], row["county_name"]]
    return "".join(dict.fromkeys(p for p in parts if p not in ("市辖区", "县")))


def place_names(code: str, table: dict[str, dict]) -> tuple[str, str]:
    """(city as employers write it in a company name, county) for a county code."""
    row = table[code]
    city = row["city_name"]
    if city in ("市辖区", "县") or not city:
        city = row["province_name"].removesuffix("市")
    return city.removesuffix("市"), row["county_name"]


# --- rendering ------------------------------------------------------------------------------------------------


def numbered(items: list[str], rng: random.Random) -> str:
    style = rng.choice(["1. ", "1、", "（1）", "· ", "- ", "①"])
    circled = "①②③④⑤⑥⑦⑧⑨"
    out = []
    for i, item in enumerate(items, start=1):
        prefix = {"1. ": f"{i}. ", "1、": f"{i}、", "（1）": f"（{i}）", "①": circled[i - 1]}.get(style, style)
        out.append(prefix + item + ("；" if style in ("1、", "（1）") and i < len(items) else ""))
    return "\n".join(out)


def render(kind: dict, title: str, pay: str, intro: str, county: str, rng: random.Random) -> tuple[str, str]:
    """(description, requirements) in one of the ways real platforms publish a posting."""
    duties, reqs, perks = kind["duties"], kind["reqs"], kind["benefits"]
    rural = not {"farm_veg", "farm_livestock", "farm_fruit", "labour_co"}.isdisjoint(sectors_of(kind))
    office = not {"tech", "office", "ecommerce", "media"}.isdisjoint(sectors_of(kind))
    # farms and sites post mostly in chat groups; offices hardly ever
    style = rng.choice("AABEEEG" if rural else "ABCDFG" if office else "ABCEFG")  # 你将负责/我们希望你: offices
    split = rng.random() < 0.3  # the employer typed the requirements into their own field
    d, r, b, i = (rng.choice(DUTY_HEADERS), rng.choice(REQ_HEADERS), rng.choice(PERK_HEADERS),
                  rng.choice(INTRO_HEADERS))
    req_text = numbered(reqs, rng)
    perk_text = f"薪资：{pay}\n" + numbered(perks, rng)
    address = f"工作地点：{county}"
    if style == "A":
        parts = [intro, f"{d}：\n{numbered(duties, rng)}", None if split else f"{r}：\n{req_text}", f"{b}：\n{perk_text}",
                 address]
    elif style == "B":
        parts = [f"【{i}】{intro}", f"【{d}】\n{numbered(duties, rng)}", None if split else f"【{r}】\n{req_text}",
                 f"【{b}】\n{perk_text}", f"【工作地址】{county}"]
    elif style == "C":
        sections = [(i, intro), (d, numbered(duties, rng))] + ([] if split else [(r, req_text)]) + [(b, perk_text)]
        parts = [f"{CN_NUM[n]}、{head}\n{body}" for n, (head, body) in enumerate(sections)] + [address]
    elif style == "D":
        parts = [f"{i}：\n{intro}", f"{d}：\n{numbered(duties, rng)}", None if split else f"{r}：\n{req_text}",
                 f"{b}：\n{perk_text}", f"Base：{county}"]
    elif style == "E":  # a county recruitment group: no headers, everything in a few lines
        parts = [f"{title}，{county}，{pay}，{'，'.join(perks)}。",
                 "要求：" + "，".join(reqs) + "。" if not split else None,
                 "主要干：" + "；".join(duties) + "。", "有意者电话联系（微信同号），来了就能上班。",
                 intro if rng.random() < 0.4 else None]
    elif style == "F":  # the introduction last
        parts = [f"{d}：\n{numbered(duties, rng)}", None if split else f"{r}：\n{req_text}", f"{b}：\n{perk_text}",
                 f"{i}：\n{intro}", address]
    else:
        parts = [intro, numbered(duties + ([] if split else reqs), rng), perk_text, address]
    description = "\n\n".join(p for p in parts if p)
    return description, (req_text if split else "")


LONG_INTRO = (
    "【发展历程】\n2006年，公司在本地注册成立，最初只有十几名员工和一间不足两百平方米的办公室；2010年，完成第一轮股份制改造，"
    "业务覆盖省内主要城市；2014年，获评国家高新技术企业，并在省会设立研发中心；2017年，营业收入突破十亿元，员工人数超过两千人；"
    "2019年，启动数字化转型战略，建成覆盖全国的服务网络；2021年，荣获省级“专精特新”企业、省级企业技术中心称号；"
    "2023年，公司新总部大楼落成启用，同年入选“省民营企业百强”；2025年，海外业务实现突破，在东南亚设立两家子公司。\n"
    "【企业文化】\n使命：让每一位客户获得更好的服务；愿景：成为受人尊敬的行业领先企业；价值观：客户第一、团队合作、拥抱变化、诚信、"
    "激情、敬业。我们相信，员工是公司最宝贵的财富，公司的每一步发展都离不开每一位伙伴的努力。\n"
    "【培训体系】\n公司建有完善的人才培养体系：新员工入职有为期两周的集中培训和一对一导师带教；在职员工有专业技能培训、"
    "管理能力培训和外部进修机会；每年选拔优秀员工参加“青年骨干训练营”，表现突出者可进入管理培训生序列，"
    "享受快速晋升通道。公司与多所高校建立了校企合作关系，共建实训基地。\n"
    "【荣誉资质】\n国家高新技术企业、省级企业技术中心、省级“专精特新”中小企业、市级重合同守信用企业、"
    "AAA级信用企业、ISO9001质量管理体系认证、ISO14001环境管理体系认证、ISO45001职业健康安全管理体系认证、"
    "市级文明单位、劳动关系和谐企业。\n"
    "【员工关怀】\n公司设有员工食堂、健身房、阅览室和母婴室，每年组织员工旅游和团建活动，定期举办篮球赛、羽毛球赛和读书会；"
    "员工生日有生日会和礼品，结婚、生育有礼金，住院有慰问；设立员工互助基金，帮助遇到困难的员工和家庭。"
)
WELFARE = (
    "【薪酬福利制度】\n1. 薪酬结构：基本工资+岗位津贴+绩效奖金+年终奖，每年4月进行一次调薪，优秀员工可申请破格调薪；"
    "2. 社会保险：入职即按国家规定缴纳养老、医疗、失业、工伤、生育保险和住房公积金，另为员工购买补充商业医疗保险和意外险；"
    "3. 假期：享受国家法定节假日、带薪年假（入职满一年5天起，每增加一年加1天，最多15天）、婚假、产假、陪产假、育儿假、丧假；"
    "4. 补贴：餐补每天20元、交通补贴每月300元、通讯补贴每月100元、高温补贴（6-9月）、夜班补贴、异地派驻补贴；"
    "5. 节日福利：春节、端午、中秋发放节日礼品或购物卡，三八妇女节为女员工放假半天，儿童节为员工子女发放礼物；"
    "6. 健康关怀：每年一次免费体检，设有心理咨询热线，定期邀请医生到公司开展健康讲座；"
    "7. 住房支持：为外地员工提供人才公寓或住房补贴，符合条件的可申请当地人才安居政策；"
    "8. 成长发展：专业线和管理线双通道晋升，每年两次晋升评审；公司承担员工考取职业资格证书的培训费和考试费，取得证书后发放证书津贴；"
    "9. 文体活动：每月部门团建经费，每年组织一次全员旅游、一次年会和一次运动会。"
)
PROCESS = (
    "【招聘流程】\n投递简历 → 简历筛选（3个工作日内反馈）→ 初试 → 复试 → 背景调查 → 发放录用通知 → 入职。\n"
    "【温馨提示】\n本公司招聘不收取任何费用，不扣押任何证件；请通过正规渠道投递简历，谨防上当受骗。"
    "如遇以公司名义收取培训费、服装费、体检费等情况，请立即向公司人力资源部举报。公司承诺对应聘者的个人信息严格保密，"
    "仅用于本次招聘，不会用于其他用途。最终解释权归本公司人力资源部所有。"
)


def long_description(base: str, rng: random.Random, extra_kinds: list[dict]) -> str:
    """A few thousand characters: the full company introduction, then the job, then the process and notices; with
    ``extra_kinds`` a whole recruitment brochure (招聘简章) that lists other positions around this one."""
    blocks = [LONG_INTRO]
    others = []
    for n, k in enumerate(extra_kinds, start=1):
        age = f"{k['age'][0]}-{k['age'][1]}周岁" if k["age"] else "不限"
        others.append(f"岗位{n}：{k['titles'][0]}（招聘{rng.choice([1, 2, 3, 5, 10])}人）\n"
                      f"学历：{EDU_WORDS.get(k['edu'], '不限')}；经验：{k['exp'] or 0}年以上；年龄：{age}；"
                      f"工作性质：{WT_WORDS[k['wt']]}\n{rng.choice(DUTY_HEADERS)}：\n{numbered(k['duties'], rng)}\n"
                      f"{rng.choice(REQ_HEADERS)}：\n{numbered(k['reqs'], rng)}\n薪资：{k['pay'][0][0]}\n"
                      f"{rng.choice(PERK_HEADERS)}：{'，'.join(k['benefits'])}")
    half = len(others) // 2
    blocks += others[:half] + ["本次重点招聘岗位：\n" + base] + others[half:] + [WELFARE, PROCESS]
    return "\n\n".join(blocks)


# --- postings -------------------------------------------------------------------------------------------------


def padded_intro(own: str, rng: random.Random) -> str:
    """The employer's own introduction with the boilerplate real ones carry: at least 100 characters, at most 600."""
    extra = rng.sample(INTRO_BOILERPLATE, len(INTRO_BOILERPLATE))
    text = own
    while extra and (len(text) < 100 or rng.random() < 0.7):
        if len(text) + len(extra[0]) > 600:
            break
        text += extra.pop(0)
    return text



def compose_postings(rng: random.Random, table: dict[str, dict]) -> tuple[list[dict], dict[str, dict]]:
    """(postings, facts by posting id): the payloads, and what the grading rules read of each posting."""
    postings: list[dict] = []
    facts: dict[str, dict] = {}
    by_key = {k["key"]: k for k in KINDS}
    office_like = {"tech", "office", "ecommerce", "media"}
    pools = {  # the other positions a long recruitment brochure (招聘简章) lists around the posting's own
        "all": [k for k in KINDS if k["key"] != "java"],
        "plant": [k for k in KINDS if office_like.isdisjoint(sectors_of(k)) and k["key"] != "pugong"],
        "campus": [k for k in KINDS if not office_like.isdisjoint(sectors_of(k)) and not k.get("intern")
                   and k["key"] != "data_analyst"],
        "": [],
    }

    def add(kind: dict, *, title: str, pay: tuple, place: str, employer: str, intro: str | None, i: int,
            note: str = "", body: tuple[str, str] | None = None) -> dict:
        city, county = place_names(place, table)
        if body is None:
            description, requirements = render(kind, title, pay[0], intro or "", county, rng)
        else:
            description, requirements = body
            if intro:  # a re-post carries the re-poster's own introduction before the same body
                description = intro + "\n\n" + description
        if note:
            description = note + "\n" + description
        fills_codes = rng.random() < 0.5
        payload = {
            "id": f"r-job-{len(postings) + 1:03d}", "employer_name": employer, "title": title,
            "description": description, "requirements": requirements,
            "skills": list(kind["skills"]) if fills_codes or rng.random() < 0.4 else [],
            "occupation_code": kind["occ"] if fills_codes else None,
            "region_code": place, "address": address_of(place, table),
            "salary_min": pay[1], "salary_max": pay[2], "education_min": kind["edu"],
            "experience_years": kind["exp"], "age_min": kind["age"][0] if kind["age"] else None,
            "age_max": kind["age"][1] if kind["age"] else None, "work_type": kind["wt"],
            "headcount": rng.choice([1, 1, 2, 3, 5, 10, 20]), "room_board": kind["rb"], "valid_until": VALID_UNTIL,
        }
        postings.append(payload)
        words = title + " " + pay[0]
        facts[payload["id"]] = {
            "line": kind["line"], "kind": kind["key"], "region": place,
            "intern": bool(kind.get("intern")) or kind["wt"] == "internship" or "实习" in title,
            "part": kind["wt"] == "part_time" or "兼职" in title,
            "appr": bool(kind["novice"]) or "学徒" in title,
            "rb": bool(kind["rb"]) or "包吃住" in words or "包住" in words,
            "day": bool(kind["day"]) or "日结" in words,
            "pay": pay[2] if pay[2] is not None else pay[1],
            "age": kind["age"],
        }
        return payload

    first_of: dict[str, dict] = {}
    for kind in KINDS:
        sector = [e for name in sectors_of(kind) for e in EMPLOYERS[name]]
        for i in range(kind["n"]):
            place = kind["places"][i % len(kind["places"])]
            city, _ = place_names(place, table)
            pattern, intro_pattern = sector[i % len(sector)]
            employer = pattern.format(city=city)
            intro = padded_intro(intro_pattern.format(city=city, name=employer), rng) if rng.random() < 0.85 else None
            title = kind["titles"][i % len(kind["titles"])]
            pay = kind["pay"][i % len(kind["pay"])]
            p = add(kind, title=title, pay=pay, place=place, employer=employer, intro=intro, i=i)
            if kind["key"] in LONG and LONG[kind["key"]][0] == i:
                p["description"] = long_description(p["description"], rng, pools[LONG[kind["key"]][1]])
            if i == 0:
                first_of[kind["key"]] = p
    # re-posts: an agency copies the first posting's body and pay under its own name and introduction
    for key, agencies in AGENCY_REPOSTS.items():  # the same place: the job is the client's
        kind, original = by_key[key], first_of[key]
        for n, a in enumerate(agencies):
            place = original["region_code"]
            city, _ = place_names(place, table)
            pattern, intro_pattern = EMPLOYERS["agency"][a]
            employer = pattern.format(city=city)
            title = original["title"] if n % 2 == 0 else f"【{employer[len(city):len(city) + 2]}直招】{original['title']}"
            body = (original["description"], original["requirements"])  # pasted as the client wrote it
            pay = next(p for p in kind["pay"] if (p[1], p[2]) == (original["salary_min"], original["salary_max"]))
            add(kind, title=title, pay=pay, place=place, employer=employer,
                intro=None if n % 2 else padded_intro(intro_pattern.format(city=city, name=employer), rng), i=0,
                body=body)
    # repeats: the employer publishes its posting again with a new tag in the title and a line added
    for key, tag in EMPLOYER_REPEATS.items():
        kind, original = by_key[key], first_of[key]
        pay = next(p for p in kind["pay"] if (p[1], p[2]) == (original["salary_min"], original["salary_max"]))
        add(kind, title=f"{tag}｜{original['title']}", pay=pay, place=original["region_code"],
            employer=original["employer_name"], intro=None, i=0,
            body=(original["description"] + "\n\n长期有效，招满为止。", original["requirements"]))
    return postings, facts


# --- grading --------------------------------------------------------------------------------------------------


def unmet(intents: dict, f: dict) -> int:
    """How many of the ask's stated hard wishes the posting does not satisfy (unknown pay fails a floor)."""
    misses = 0
    for name, value in intents.items():
        if name == "place":
            ok = f["region"].startswith(value)
        elif name == "floor":
            ok = f["pay"] is not None and f["pay"] >= value
        elif name == "age":
            ok = f["age"] is None or f["age"][0] <= value <= f["age"][1]
        else:
            ok = f[name] is bool(value)
        misses += not ok
    return misses


def grade(ask: dict, f: dict) -> int | None:
    """The written rules (README.md): the wanted line with every wish met 3, one wish unmet 2, two unmet 1; a close
    line with all met 2, one unmet 1; a related line with all met 1. With no line named ("*"), only the wishes:
    all met 3, one of two or more unmet 1. Decoy lines (``zero``) are judged 0. None: not judged (counts 0)."""
    intents = ask.get("intents") or {}
    miss = unmet(intents, f)
    line = f["line"]
    if line in ask.get("zero", []):
        return 0
    if "*" in ask["want"]:
        return 3 if miss == 0 else (1 if miss == 1 and len(intents) >= 2 else None)
    if line in ask["want"]:
        return {0: 3, 1: 2, 2: 1}.get(miss)
    if line in ask.get("close", []):
        return {0: 2, 1: 1}.get(miss)
    if line in ask.get("related", []):
        return 1 if miss == 0 else None
    return None


# --- asks -----------------------------------------------------------------------------------------------------


def seeker_payload(s: dict, rng: random.Random) -> dict:
    from matching.identifiers import make_id_number
    import numpy as np

    birth = date.fromisoformat(s["birth"])
    gen = np.random.default_rng(rng.randrange(2**32))
    id_number = make_id_number(gen, s["region_code"], birth, s["gender"])
    phone = "1" + rng.choice("3589") + "".join(str(rng.randrange(10)) for _ in range(9))
    payload = {"id": s["id"], "name": s["name"], "id_number": id_number, "phone": phone,
               "region_code": s["region_code"], "education": s.get("education"), "major": s.get("major", ""),
               "graduation_date": s.get("graduation_date"), "skills": s.get("skills", []),
               "experience": s.get("experience", ""), "self_intro": s.get("self_intro", ""),
               "desired_occupations": s.get("desired_occupations", []), "desired_regions": s.get("desired_regions", []),
               "desired_work_types": s.get("desired_work_types", []), "consent_to_share": True, "flags": [],
               "category": "profile"}
    if s.get("desired_salary_min") is not None:
        payload["desired_salary_min"] = s["desired_salary_min"]
    return payload


def compose() -> dict[str, str]:
    """The four files' contents."""
    rng = random.Random(SEED)
    table = regions()
    postings, facts = compose_postings(rng, table)
    queries = [{"id": q["id"], "category": q["category"]} | {k: q[k] for k in REQUEST_KEYS if k in q}
               for q in QUERIES]
    seekers = [seeker_payload(s, rng) for s in SEEKERS]
    rows = ["# query_or_seeker_id\tjob_id\tgrade (written by compose.py from asks.py; rules in README.md)"]
    for ask in QUERIES + SEEKERS:
        for p in postings:
            g = grade(ask, facts[p["id"]])
            if g is not None:
                rows.append(f"{ask['id']}\t{p['id']}\t{g}")

    def lines(items: list[dict]) -> str:
        return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)

    return {"postings.jsonl": lines(postings), "queries.jsonl": lines(queries), "seekers.jsonl": lines(seekers),
            "qrels.tsv": "\n".join(rows) + "\n"}


def main(argv: list[str]) -> int:
    files = compose()
    if "--check" in argv:
        stale = [name for name, text in files.items() if (HERE / name).read_text(encoding="utf-8") != text]
        if stale:
            print("out of date: " + ", ".join(stale))
            return 1
        return 0
    for name, text in files.items():
        (HERE / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

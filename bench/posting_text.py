"""What a posting's stored text costs at each budget: bytes in the record store and snapshot, n-grams, lexical time.

Run as ``python -m bench.posting_text [POSTINGS.jsonl ...]`` (default: the dev set's postings); prints one JSON
object. Each posting is also written the way platforms publish it (a company introduction first, headed
岗位职责/任职要求 sections, pay, address and contact lines: ``shaped``), since the dev set's bodies are short, and as a long one
(``long``: three postings' duties and requirements under the longest introduction).
The introductions are written here for this measurement. For each budget (``matching.text.posting_text``'s
``max_chars``): the stored text's length (mean, p95, max, in characters), its UTF-8 bytes per 100k postings (the
record store's ``text_data``, memory-mapped from the snapshot: RAM shared by the processes and disk alike), the
distinct n-grams per text (what the lexical cache holds), and the time to make the n-grams of 1,000 texts and to
score a 500-candidate pool. The card's bytes per 100k (it holds the description and requirements in full,
whatever the budget) are printed beside them for scale.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from matching.lexical import gram_pool_scores, text_grams, texts_grams
from matching.text import posting_text

DEV = Path(__file__).resolve().parent.parent / "matching/data/eval/matching_dev/postings.jsonl"
BUDGETS = (512, 1000, 1500, 2000, 3000)

INTROS = (
    "{name}成立于2008年，总部位于{city}，是一家集研发、生产、销售和服务于一体的国家高新技术企业，注册资本8000万元。",
    "{name}是{city}知名的连锁服务品牌，旗下拥有门店60余家，员工1200余人。公司秉承“顾客至上、诚信经营”的理念，"
    "先后荣获{city}服务业百强企业、消费者满意单位等荣誉称号。我们致力于为顾客提供安全、放心、高品质的服务，"
    "为员工提供广阔的发展平台和完善的培训体系。",
    "{name}创立于2012年，专注于企业数字化解决方案，已完成C轮融资，投资方包括多家知名机构。公司总部位于{city}，"
    "在北京、上海、广州、成都设有分公司和研发中心，服务客户超过3000家，覆盖零售、制造、金融、医疗、教育等行业。"
    "公司现有员工800余人，其中研发人员占比超过60%，拥有发明专利和软件著作权200余项，是国家级专精特新“小巨人”企业。"
    "我们相信技术的力量，崇尚简单、开放、务实的团队文化，为每一位伙伴提供有竞争力的薪酬、完善的福利和清晰的成长路径。"
    "在这里，你将与一群优秀的人一起，解决真实而有挑战的问题，见证公司从行业领先走向世界一流。",
)


def shaped(posting: dict, n: int) -> str:
    """A posting's body as platforms publish it: introduction, headed sections, pay, address, contact."""
    city = posting.get("address", "")[:6] or "成都市"
    intro = INTROS[n % len(INTROS)].format(name=posting.get("employer_name") or "本公司", city=city)
    pay = f"薪资福利：{posting.get('salary_min') or 4000}-{posting.get('salary_max') or 6000}元/月，五险一金，带薪年假，节日福利。"
    return "\n".join([intro, "", "岗位职责：", posting.get("description", ""), "任职要求：",
                      posting.get("requirements", ""), pay, f"工作地点：{posting.get('address', '')}",
                      "联系电话：028-8" + str(1000000 + n)])


def long_shaped(postings: list[dict], n: int) -> str:
    """A long JD (tech and management postings run to 1,000–2,000 characters): the longest introduction, and the
    duties and requirements of three postings in a row as one posting's."""
    three = [postings[(n + i) % len(postings)] for i in range(3)]
    return "\n".join([INTROS[-1].format(name=three[0].get("employer_name") or "本公司", city="成都市"), "",
                      "岗位职责：", *(p.get("description", "") for p in three), "任职要求：",
                      *(p.get("requirements", "") for p in three), "薪资福利：五险一金，带薪年假，节日福利。",
                      f"工作地点：{three[0].get('address', '')}", "联系电话：028-8" + str(1000000 + n)])


def _stats(texts: list[str]) -> dict:
    lengths = np.array([len(t) for t in texts])
    grams = texts_grams(texts)
    started = time.perf_counter()
    texts_grams(texts[:1000])
    grams_s = (time.perf_counter() - started) * 1000 / min(len(texts), 1000)
    pool = [grams[i % len(grams)] for i in range(500)]
    query = text_grams("仓库叉车司机 有叉车证 会装卸搬运")
    started = time.perf_counter()
    for _ in range(20):
        gram_pool_scores(query, pool)
    pool_ms = (time.perf_counter() - started) / 20 * 1000
    return {"chars_mean": round(float(lengths.mean()), 1), "chars_p95": int(np.percentile(lengths, 95)),
            "chars_max": int(lengths.max()),
            "text_mb_per_100k": round(sum(len(t.encode()) for t in texts) / len(texts) * 100_000 / 2**20, 1),
            "grams_mean": round(float(np.mean([len(g[0]) for g in grams])), 1),
            "grams_ms_per_1000": round(grams_s * 1000, 1), "pool_500_ms": round(pool_ms, 2)}


def measure(postings: list[dict]) -> dict:
    out: dict = {"postings": len(postings)}
    for name, bodies in (("as_given", [p.get("description", "") for p in postings]),
                         ("shaped", [shaped(p, n) for n, p in enumerate(postings)]),
                         ("long", [long_shaped(postings, n) for n in range(len(postings))])):
        requirements = [p.get("requirements", "") if name == "as_given" else "" for p in postings]
        card = [len(json.dumps({"description": b, "requirements": r}, ensure_ascii=False).encode()) + 700
                for b, r in zip(bodies, requirements, strict=True)]  # + the card's other fields, about 700 bytes
        out[name] = {"body_chars_mean": round(float(np.mean([len(b) + len(r) for b, r in zip(bodies, requirements,
                                                                                              strict=True)])), 1),
                     "card_mb_per_100k": round(float(np.mean(card)) * 100_000 / 2**20, 1), "budgets": {}}
        for budget in BUDGETS:
            texts = [posting_text(p["title"], None, p.get("skills"), r, b, max_chars=budget)
                     for p, b, r in zip(postings, bodies, requirements, strict=True)]
            out[name]["budgets"][budget] = _stats(texts)
    return out


def main(paths: list[str]) -> dict:
    postings = [json.loads(line) for path in (paths or [DEV]) for line in Path(path).read_text().splitlines()
                if line.strip()]
    return measure(postings)


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:]), ensure_ascii=False, indent=1))

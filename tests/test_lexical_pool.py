"""The rerank's lexical score: how much of the query a posting covers, by words and characters (issue 16)."""

import numpy as np
import pytest

from matching.lexical import (
    LexicalDoc,
    analyse_query,
    analyse_text,
    default_lexicon,
    pool_scores,
    text_pool_scores,
)
from matching.text import normalize, posting_text


def posting(title: str, *, skills=(), requirements: str = "", description: str = "") -> str:
    """A posting's stored text, as the service builds it."""
    return posting_text(title, None, list(skills), requirements, description)


def scores(query: str, texts: dict[str, str]) -> dict[str, float]:
    values = text_pool_scores(normalize(query), list(texts.values()))
    return dict(zip(texts, values.tolist(), strict=True))


def ranked(query: str, texts: dict[str, str]) -> list[str]:
    by_name = scores(query, texts)
    return sorted(by_name, key=lambda name: -by_name[name])


AE_ENGINEER = posting("大数据分析-AE工程师", skills=["Hadoop", "Spark", "SQL"], requirements="本科，熟悉大数据平台",
                      description="负责客户大数据分析项目的方案实施与技术支持，对接客户需求。")
VIDEO_EDITOR = posting("短视频剪辑", skills=["剪辑", "PR", "AE"], requirements="熟练使用PR、AE等剪辑软件",
                       description="负责抖音短视频的剪辑与包装，制作片头和特效。")
SALES_OPERATIONS = posting("销售运营专员", skills=["数据分析", "Excel"], requirements="有销售运营经验优先",
                           description="负责销售数据统计与报表，协助销售团队跟进订单，偶尔协助前台接待来访客户。")
CLERK = posting("行政文员/前台", skills=["办公软件"], requirements="形象好，会用Word、Excel",
                description="负责前台接待、来访登记、文件整理和日常行政事务。")


class TestFalseFriends:
    def test_after_effects_is_not_the_ae_of_an_engineer_title(self):
        pool = {"engineer": AE_ENGINEER, "editor": VIDEO_EDITOR, "clerk": CLERK}
        for query in ("AE", "会AE", "AE 剪辑", "after effects"):
            by_name = scores(query, pool)
            assert by_name["editor"] > by_name["engineer"], query
            assert by_name["clerk"] == 0.0
        assert scores("AE", pool)["engineer"] <= 0.35  # the title's "AE工程师" is weak evidence, not 0.87

    def test_an_abbreviation_glued_the_same_way_in_the_query_means_the_title(self):
        pool = {"engineer": AE_ENGINEER, "editor": VIDEO_EDITOR}
        by_name = scores("AE工程师", pool)
        assert by_name["engineer"] >= 0.9 and by_name["editor"] < 0.5

    def test_a_latin_word_matches_only_whole(self):
        pool = {
            "aeo": posting("外贸单证员", requirements="了解AEO认证", description="负责出口单证、AEO认证资料整理。"),
            "google": posting("海外推广专员", skills=["Google Ads"], description="负责Google渠道推广。"),
            "c": posting("嵌入式工程师", skills=["C语言"], requirements="精通C语言和C#"),
            "cpp": posting("客户端开发", skills=["C++", "Qt"], requirements="熟悉C++/Qt"),
            "golang": posting("后端开发工程师", skills=["golang", "MySQL"], requirements="熟悉golang"),
            "dotnet": posting("软件工程师", requirements="熟悉ASP.NET开发"),
        }
        assert scores("AE", pool)["aeo"] == 0.0
        go = scores("Go", pool)
        assert go["google"] == 0.0 and go["golang"] > 0.5  # golang is Go; Google is not
        cpp = scores("C++ Qt", pool)
        assert ranked("C++ Qt", pool)[0] == "cpp" and cpp["c"] == 0.0
        assert scores("c++", pool) == scores("C++", pool)  # case does not matter
        assert scores("C#", pool)["c"] > 0 and scores("C#", pool)["cpp"] == 0.0
        assert ranked(".NET", pool)[0] == "dotnet"

    def test_a_posting_that_mentions_the_query_once_is_not_the_job(self):
        pool = {"sales": SALES_OPERATIONS, "clerk": CLERK, "editor": VIDEO_EDITOR}
        by_name = scores("文员/前台", pool)
        assert ranked("文员/前台", pool)[0] == "clerk"
        assert by_name["clerk"] >= 0.9
        assert by_name["sales"] < 0.3  # it was 0.99 and first with character n-grams


CLEANING_POOL = {
    "cleaner": posting("保洁员", skills=["保洁"], requirements="身体健康", description="负责写字楼公共区域的日常保洁。"),
    "mall_cleaner": posting("商场保洁（白班）", description="商场卫生间、地面的清洁与保洁，垃圾清运。"),
    "janitor": posting("清洁工（物业）", description="小区楼道、电梯清洁，垃圾清运。"),
    "hotel": posting("酒店前厅接待", skills=["接待"], description="负责客人入住登记，与保洁部门协调，处理投诉。"),
    "cook": posting("厨师", skills=["炒菜"], requirements="有健康证", description="负责后厨炒菜，保持厨房保洁卫生。"),
    "security": posting("保安", description="小区门岗值守、巡逻，负责公司保洁外包人员的进出登记。"),
    "forklift": posting("叉车司机", skills=["叉车证"], description="负责仓库货物的装卸与搬运。"),
}


class TestNoSaturation:
    def test_a_one_word_query_puts_the_postings_whose_job_it_is_first(self):
        by_name = scores("保洁", CLEANING_POOL)
        order = ranked("保洁", CLEANING_POOL)
        assert set(order[:3]) == {"cleaner", "mall_cleaner", "janitor"}
        passing = [by_name[n] for n in ("hotel", "cook", "security")]
        assert max(passing) < min(by_name[n] for n in ("cleaner", "mall_cleaner", "janitor"))
        assert max(passing) <= 0.5 and by_name["forklift"] == 0.0
        assert len({round(v, 6) for v in by_name.values()}) > 2  # not everyone the same 1.0

    def test_words_every_posting_says_count_for_little(self):
        lexicon = default_lexicon()
        for word in ("工作", "公司", "负责", "要求", "经验", "优先"):
            assert lexicon.term_weight(word) <= 0.1 * lexicon.term_weight("保洁"), word
        assert ranked("负责保洁工作，有经验优先", CLEANING_POOL)[:3] == ranked("保洁", CLEANING_POOL)[:3]

    def test_a_place_in_the_query_is_not_what_the_words_match(self):
        pool = {"cpp": posting("C++开发工程师", skills=["C++", "Qt"]),
                "shenzhen": posting("数据分析师", description="工作地点：深圳市南山区，深圳总部。")}
        by_name = scores("深圳 C++ Qt", pool)
        assert by_name["cpp"] > 0.8 and by_name["shenzhen"] < 0.1

    def test_company_text_counts_less_than_the_duties(self):
        duties = posting("普工", description="岗位职责：负责数据线的组装与检测。")
        company = posting_text("普工", None, [], "", "岗位职责：流水线组装。公司介绍：本公司主营数据线和连接器，年产值过亿。")
        by_name = scores("数据线", {"duties": duties, "company": company})
        assert by_name["duties"] > by_name["company"]

    def test_scores_lie_in_zero_to_one(self):
        pool = [*CLEANING_POOL.values(), AE_ENGINEER, VIDEO_EDITOR, "", "保洁", "🙂"]
        for query in ("保洁", "保洁 保洁 保洁员 清洁工", "AE PR 剪辑", "", "的", "找工作"):
            values = text_pool_scores(normalize(query), pool)
            assert values.dtype == np.float32 and values.shape == (len(pool),)
            assert (values >= 0).all() and (values <= 1).all()
        assert not text_pool_scores("", pool).any()  # nothing asked, nothing matched
        assert text_pool_scores("保洁", []).shape == (0,)


class TestSynonyms:
    @pytest.mark.parametrize(("query", "title"), [
        ("保洁", "清洁工"),
        ("插花", "花艺师"),
        ("数据分析", "数据分析师"),
        ("数据分析师", "招聘数据分析专员"),
        ("叉车", "铲车司机"),
        ("叉车", "叉车司机"),
        ("带货主播", "直播带货"),
        ("护工", "养老护理员"),
    ])
    def test_a_synonym_in_the_title_is_found(self, query, title):
        pool = {"synonym": posting(title, description="工作认真负责。"),
                "other": posting("收银员", description="超市收银，工作认真负责。")}
        by_name = scores(query, pool)
        assert by_name["synonym"] >= 0.3 and by_name["other"] == 0.0, by_name

    def test_a_synonym_counts_less_than_the_word_itself(self):
        pool = {"same": posting("保洁员"), "synonym": posting("清洁工")}
        by_name = scores("保洁员", pool)
        assert by_name["same"] > by_name["synonym"] > 0

    def test_related_words_are_discounted_and_named(self):
        related = dict(default_lexicon().related("保洁"))
        assert {"清洁工", "保洁员"} <= set(related)
        assert all(0 < f < 1 for f in related.values())
        assert "仓库" not in dict(default_lexicon().related("文员"))


def _reference(query, docs: list[LexicalDoc]) -> np.ndarray:
    """The score written plainly: per text, per query slot, the best factor × evidence of its keys there."""
    out = []
    for doc in docs:
        evidence = dict(zip(doc.keys.tolist(), doc.strength.tolist(), strict=True))
        best = np.zeros(len(query.weights))
        for key, slot, factor in zip(query.keys.tolist(), query.slots.tolist(), query.factors.tolist(), strict=True):
            best[slot] = max(best[slot], factor * evidence.get(key, 0.0))
        out.append(best @ query.weights / query.weights.sum() if query.weights.sum() > 0 else 0.0)
    return np.array(out)


def test_the_vectorised_pool_score_is_the_plain_one():
    rng = np.random.default_rng(3)
    words = ["叉车", "仓库", "保洁", "清洁工", "Excel", "数据分析师", "五险一金", "包吃住", "C++", "Qt", "园艺", "的",
             "，", "；", "公司：", "技能：", "AE", "AEO", "花艺师", "工作"]
    texts = [normalize("".join(rng.choice(words, size=int(rng.integers(0, 40))))) for _ in range(80)]
    docs = [analyse_text(t) for t in texts]
    for query_text in ("会开叉车，做过仓库保洁，懂Excel", "保洁", "C++ Qt AE", "花艺 园艺", "工作", ""):
        query = analyse_query(normalize(query_text))
        np.testing.assert_allclose(pool_scores(query, docs), _reference(query, docs), rtol=1e-6, atol=1e-7)
    for doc in docs:
        assert (doc.keys[1:] > doc.keys[:-1]).all()  # sorted, distinct
        assert ((doc.strength > 0) & (doc.strength <= 1)).all()

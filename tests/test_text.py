"""Text normalisation, posting-title cleaning and the texts embedded for postings and seekers."""

import pytest

from matching.text import (
    EMBED_TEXT_CHARS,
    POSTING_TEXT_CHARS,
    clean_title,
    display_title,
    normalize,
    posting_text,
    seeker_text,
)


class TestNormalize:
    def test_full_width_ascii_becomes_half_width(self):
        assert normalize("ＡＢＣ１２３　ｋ") == "ABC123 k"

    def test_traditional_chinese_becomes_simplified(self):
        assert normalize("叉車司機 養老護理員") == "叉车司机 养老护理员"

    def test_html_tags_and_entities_are_removed(self):
        assert normalize("<p>月薪<b>8K</b></p>&nbsp;包吃住") == "月薪 8K 包吃住"
        assert normalize("R&amp;D工程师") == "R&D工程师"

    def test_emoji_and_decorative_symbols_are_removed(self):
        assert normalize("【急聘】🔥保洁员★★👍🏻") == "急聘 保洁员"

    def test_meaningful_punctuation_stays(self):
        assert normalize("会C++、Python；提成50%（面议）") == "会C++、Python；提成50%（面议）"

    def test_whitespace_collapses_and_length_is_capped(self):
        assert normalize("  a \n\t b  ") == "a b"
        assert len(normalize("字" * 5000)) == 2000
        assert normalize("字" * 50, max_chars=10) == "字" * 10

    def test_empty_input(self):
        assert normalize(None) == ""
        assert normalize("") == ""


class TestCleanTitle:
    def test_company_before_hiring_word_is_dropped(self):
        assert clean_title("红板科技股份有限公司招聘普工/操作工") == "普工/操作工"
        assert clean_title("汉中市汉台区西新...招聘店员/营业员") == "店员/营业员"

    def test_places_are_dropped(self):
        assert clean_title("无锡-叉车司机") == "叉车司机"
        assert clean_title("销售专员（哈尔滨）") == "销售专员"
        assert clean_title("苏州销售工程师") == "销售工程师"

    def test_pay_is_dropped(self):
        assert clean_title("抖音房产分析师/选房师+提成70% 月入3万") == "抖音房产分析师/选房师"
        assert clean_title("电工 8k-12k") == "电工"
        assert clean_title("质检员32/时") == "质检员"
        assert clean_title("销售主管 底薪7千+提成") == "销售主管"

    def test_advert_and_perk_words_are_dropped(self):
        assert clean_title("高薪诚聘月嫂") == "月嫂"
        assert clean_title("急聘 叉车司机 包吃住 五险一金 长白班") == "叉车司机"
        assert clean_title("销售经理(J10018)") == "销售经理"

    def test_recruiting_jobs_keep_their_name(self):
        assert clean_title("招聘专员/助理") == "招聘专员/助理"
        assert clean_title("招生老师") == "招生老师"

    def test_title_that_is_all_noise_falls_back_to_itself(self):
        assert clean_title("急聘") == "急聘"
        assert clean_title("") == ""


class TestEmbeddingTexts:
    def test_posting_text_orders_fields_by_importance_without_repeats(self):
        text = posting_text(
            title="叉车司机",
            occupation_name="起重装卸机械操作工",
            skills=["叉车", "叉车", "叉车证"],
            requirements="持叉车证",
            description="负责仓库货物装卸",
        )
        assert text == "叉车司机；职业：起重装卸机械操作工；技能：叉车、叉车证；要求：持叉车证；负责仓库货物装卸"

    def test_posting_text_skips_a_field_already_said(self):
        text = posting_text(title="保洁员", occupation_name="保洁员", skills=[], requirements="", description="")
        assert text == "保洁员"

    def test_posting_text_is_capped(self):
        text = posting_text(title="普工", description="负责流水线作业。" * 400)
        assert POSTING_TEXT_CHARS - 20 <= len(text) <= POSTING_TEXT_CHARS
        assert text.endswith("。")

    def test_seeker_text_is_capped(self):
        assert len(seeker_text(self_intro="做事细心，能吃苦。" * 200)) <= EMBED_TEXT_CHARS

    def test_seeker_text(self):
        text = seeker_text(
            desired_occupations=["保洁", "家政服务员"],
            skills=["收纳", "育婴"],
            experience=["酒店客房保洁3年"],
            major="",
            self_intro="做事细心，能吃苦",
        )
        assert text == "求职意向：保洁、家政服务员；技能：收纳、育婴；经历：酒店客房保洁3年；做事细心，能吃苦"

    def test_seeker_text_accepts_a_single_string_and_normalises(self):
        assert seeker_text(desired_occupations="叉車司機", skills=None) == "求职意向：叉车司机"


class TestDisplayTitle:
    """The title people see: the employer's words without markup, entities, emoji or decoration."""

    @pytest.mark.parametrize(("raw", "shown"), [
        ("<b>园艺师</b>&nbsp;（急聘）", "园艺师（急聘）"),
        ("🌸园艺师🌿急招🔥", "园艺师 急招"),
        ("【急聘】★叉车司机★ 8K-12K", "【急聘】叉车司机 8K-12K"),
        ("【🔥】服务员", "服务员"),
        ("👨‍🍳厨师👩‍🍳", "厨师"),  # joined emoji, joiner and all
        ("1️⃣号店 店员", "1号店 店员"),  # keycap emoji: the digit stays
        ("绿化工✿养护工❀", "绿化工 养护工"),
        ("&lt;b&gt;保洁&lt;/b&gt;", "保洁"),  # markup escaped once is still markup
        ("保安&amp;nbsp;队长", "保安 队长"),
        ("营业员<br>包吃住", "营业员 包吃住"),
        ("<script>alert(1)</script>司机", "司机"),
        ("ＡＢＣ叉车司机", "ABC叉车司机"),
    ])
    def test_markup_entities_emoji_and_decoration_go(self, raw, shown):
        assert display_title(raw) == shown

    @pytest.mark.parametrize("title", [
        "C++开发工程师（Qt/Linux）", "R&D工程师", "数据分析 | 杭州 · 6-8K·13薪", "会计（≥3年经验）", "园艺師",
        "C#/.NET 后端开发", "店长 ¥8000+",
    ])
    def test_the_employers_words_stay_as_written(self, title):
        assert display_title(title) == title

    def test_a_title_of_only_emoji_is_shown_as_given_and_an_empty_one_is_empty(self):
        assert display_title("🔥🔥") == "🔥🔥"
        assert display_title("") == "" and display_title(None) == "" and display_title("  ") == ""

    def test_clean_title_is_unchanged_by_it(self):
        assert clean_title("🌸园艺师🌿急招🔥") == "园艺师"

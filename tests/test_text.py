"""Text normalisation, posting-title cleaning and the texts embedded for postings and seekers."""

from matching.text import EMBED_TEXT_CHARS, POSTING_TEXT_CHARS, clean_title, normalize, posting_text, seeker_text


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

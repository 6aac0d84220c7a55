"""The project tokenizer, skill extraction, BM25, character n-grams and skill overlap."""

import threading

import jieba
import numpy as np
import pytest

from matching.lexical import BM25, CharNgramScorer, Lexicon, char_ngrams, default_lexicon, ngram_overlap


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return default_lexicon()


class TestTokenizer:
    def test_dictionary_terms_are_whole_tokens(self, lexicon):
        tokens = lexicon.tokens("叉车司机，要求有电工证和驾照C1，养老护理员优先")
        assert "叉车司机" in tokens
        assert "养老护理员" in tokens
        assert "电工证" in tokens
        assert "驾照c1" in tokens

    def test_stopwords_and_punctuation_are_dropped(self, lexicon):
        tokens = lexicon.tokens("负责仓库的货物装卸，相关经验优先！")
        assert tokens and all(t not in {"的", "，", "！", "负责", "相关", "优先"} for t in tokens)

    def test_search_tokens_add_the_words_inside_long_tokens(self, lexicon):
        plain = lexicon.tokens("起重装卸机械操作工")
        search = lexicon.tokens("起重装卸机械操作工", for_search=True)
        assert plain == ["起重装卸机械操作工"]
        assert {"起重", "装卸", "操作工", "起重装卸机械操作工"} <= set(search)

    def test_uses_its_own_tokenizer_not_the_global_one(self, lexicon):
        assert isinstance(lexicon.tokenizer, jieba.Tokenizer)
        assert lexicon.tokenizer is not jieba.dt
        assert "养老护理员" not in jieba.dt.FREQ or jieba.dt.FREQ.get("养老护理员") != lexicon.tokenizer.FREQ["养老护理员"]

    def test_tokenizer_is_built_once_under_concurrency(self):
        fresh = Lexicon()
        seen = []
        threads = [threading.Thread(target=lambda: seen.append(fresh.tokenizer)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(seen) == 4 and all(t is seen[0] for t in seen)

    def test_keywords_rank_the_telling_words_first(self, lexicon):
        words = lexicon.keywords("招聘叉车司机，叉车司机需持叉车证，工作认真", k=2)
        assert words[0] == "叉车司机"
        assert len(words) == 2


class TestSkillExtraction:
    def test_finds_dictionary_skills_in_free_text(self, lexicon):
        skills = lexicon.extract_skills("持电工证和焊工证，会开叉车，有驾照C1，熟练使用Excel")
        assert {"电工证", "焊工证", "叉车", "驾照C1", "Excel"} <= set(skills)

    def test_skills_come_in_order_of_mention_once(self, lexicon):
        assert lexicon.extract_skills("收银，保洁，收银") == ["收银", "保洁"]

    def test_no_skill_is_read_across_word_boundaries(self, lexicon):
        assert "护工" not in lexicon.extract_skills("负责设备的日常维护工作")

    def test_skills_inside_a_longer_token_are_found_longest_first(self, lexicon):
        assert lexicon.tokens("招熟练氩弧焊工")[-1] == "氩弧焊工"
        assert lexicon.extract_skills("招熟练氩弧焊工") == ["氩弧焊"]


class TestSkillOverlap:
    def test_synonyms_match(self, lexicon):
        score, matched, missing = lexicon.skill_overlap(["清洁工", "C1驾照"], ["保洁", "驾照C1", "叉车证"])
        assert matched == ["保洁", "驾照C1"]
        assert missing == ["叉车证"]
        assert score == pytest.approx(2 / 3)

    def test_colloquial_job_words_match_their_formal_names(self, lexicon):
        assert lexicon.skill_overlap(["炒菜师傅"], ["厨师"])[0] == 1.0
        assert lexicon.skill_overlap(["带货主播"], ["直播带货"])[0] == 1.0
        assert lexicon.skill_overlap(["护工"], ["养老护理员"])[0] == 1.0
        assert lexicon.skill_overlap(["流水线工人"], ["普工"])[0] == 1.0

    def test_a_skill_inside_another_matches(self, lexicon):
        assert lexicon.skill_overlap(["电焊"], ["电焊操作"])[1] == ["电焊操作"]

    def test_unrelated_skills_do_not_match(self, lexicon):
        assert lexicon.skill_overlap(["收银"], ["电工证"]) == (0.0, [], ["电工证"])

    def test_a_job_without_skills_gives_no_evidence(self, lexicon):
        assert lexicon.skill_overlap(["收银"], []) == (0.0, [], [])


DOCS = {
    "forklift": "叉车司机 操作叉车 装卸 搬运 仓库货物",
    "carer": "养老护理员 照料老年人 生活护理",
    "cashier": "收银员 超市收银 现金 移动支付",
    "tea": "奶茶店店员 调饮师 制作奶茶 果茶",
}


@pytest.fixture(scope="module")
def bm25(lexicon) -> BM25:
    return BM25().fit([lexicon.tokens(text, for_search=True) for text in DOCS.values()])


class TestBM25:
    def test_ranks_the_right_document_first(self, bm25, lexicon):
        names = list(DOCS)
        for query, expected in [("招聘叉车工", "forklift"), ("养老院护理员", "carer"), ("超市收银", "cashier")]:
            scores = bm25.scores(lexicon.tokens(query, for_search=True))
            assert scores.shape == (len(DOCS),)
            assert names[int(np.argmax(scores))] == expected

    def test_many_queries_at_once_equal_one_at_a_time(self, bm25, lexicon):
        queries = [lexicon.tokens(q, for_search=True) for q in ("叉车", "奶茶 调饮", "收银员")]
        batch = bm25.scores_many(queries)
        assert batch.shape == (3, len(DOCS))
        for row, query in zip(batch, queries):
            np.testing.assert_allclose(row, bm25.scores(query), rtol=1e-6)

    def test_unknown_words_score_zero(self, bm25):
        assert not bm25.scores(["火箭", "宇航"]).any()

    def test_rarer_terms_weigh_more(self):
        bm25 = BM25().fit([["a", "common"], ["b", "common"], ["c", "common"], ["rare", "common"]])
        assert bm25.scores(["rare"])[3] > bm25.scores(["common"])[3]


class TestCharNgrams:
    def test_ngrams_do_not_cross_punctuation(self):
        assert char_ngrams("叉车，司机") == ["叉车", "司机"]

    def test_overlap_is_one_for_identical_and_zero_for_disjoint(self):
        assert ngram_overlap("奶茶店员", "奶茶店员") == 1.0
        assert ngram_overlap("奶茶店员", "叉车司机") == 0.0
        assert 0 < ngram_overlap("奶茶店员", "奶茶店店员") < 1

    def test_scorer_ranks_colloquial_text(self):
        scorer = CharNgramScorer().fit(list(DOCS.values()))
        scores = scorer.scores("奶茶店招人做奶茶")
        assert list(DOCS)[int(np.argmax(scores))] == "tea"
        assert scores.max() <= 1.0 + 1e-6
        np.testing.assert_allclose(scorer.scores_many(["奶茶店招人做奶茶"])[0], scores)

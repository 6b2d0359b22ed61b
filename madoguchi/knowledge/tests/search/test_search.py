import numpy as np
import pytest

from madoguchi.knowledge.search import (
    Document,
    IndexCache,
    SearchIndex,
    Synonyms,
    dense,
    embed_passage,
    embed_query,
    model_available,
)
from madoguchi.knowledge.search import index as index_module

NONE = Synonyms([])


def keys(result):
    return [hit.key for hit in result.hits]


def unit(*pairs):
    """A 384-dim unit vector with the given (axis, value) components, as stored bytes."""
    v = np.zeros(dense.DIM, dtype=np.float32)
    for axis, value in pairs:
        v[axis] = value
    return dense.to_bytes(v)


def test_ties_are_broken_by_key_whatever_the_input_order(no_model):
    docs = [
        Document(key=9, question="図書館の開館時間", answer=""),
        Document(key=4, question="図書館の開館時間", answer=""),
        Document(key=7, question="図書館の開館時間", answer=""),
    ]
    index = SearchIndex.build(docs, synonyms=NONE)
    result = index.search("図書館")
    assert keys(result) == [4, 7, 9]
    assert len({hit.score for hit in result.hits}) == 1
    assert keys(SearchIndex.build(reversed(docs), synonyms=NONE).search("図書館")) == [4, 7, 9]


def test_synonym_expansion_changes_the_ranking(no_model):
    docs = [
        Document(key=1, question="手続きの一覧", answer="各種の手続き"),
        Document(key=2, question="国民健康保険に加入する手続き", answer="転入した日から14日以内"),
    ]
    plain = SearchIndex.build(docs, synonyms=NONE).search("国保の手続き")
    expanded = SearchIndex.build(
        docs, synonyms=Synonyms.from_pairs([("国保", ["国民健康保険"])])
    ).search("国保の手続き")
    assert keys(plain) == [1, 2]
    assert keys(expanded) == [2, 1]


def test_expansions_weigh_less_than_the_words_typed(no_model):
    docs = [
        Document(key=1, question="国民健康保険の保険料", answer=""),
        Document(key=2, question="国保の保険料", answer=""),
    ]
    synonyms = Synonyms.from_pairs([("国保", ["国民健康保険"])])
    index = SearchIndex.build(docs, synonyms=synonyms)
    assert keys(index.search("国保の保険料")) == [2, 1]  # the dictionary is symmetric:
    assert keys(index.search("国民健康保険の保険料")) == [1, 2]


def test_default_seed_is_loaded_when_no_dictionary_is_given(no_model):
    seed = Synonyms.default()
    assert len(seed) >= 40
    assert ("マイナンバーカード", "個人番号カード", "マイナカード") in seed.groups
    docs = [
        Document(key=1, question="カードの再発行", answer=""),
        Document(key=2, question="個人番号カードの再発行", answer=""),
    ]
    assert keys(SearchIndex.build(docs).search("マイナンバーカードの再発行")) == [2, 1]
    assert seed.version != Synonyms([]).version


def test_tsv_dictionary_format():
    synonyms = Synonyms.from_tsv("# comment\nPC\tパソコン\n\n単独\nPC\tパソコン\n")
    assert synonyms.groups == [("PC", "パソコン")]


def test_strict_hit_needs_a_query_term_in_question_or_keywords(no_model):
    docs = [
        Document(key=1, question="住民票の写しの交付", answer="市民課で交付します"),
        Document(key=2, question="窓口の案内", answer="住民票は1階です"),
        Document(key=3, question="窓口の案内", answer="印鑑登録も1階です", keywords="住民票"),
    ]
    index = SearchIndex.build(docs, synonyms=NONE)
    result = index.search("住民票")
    assert {hit.key: hit.strict for hit in result.hits} == {1: True, 2: False, 3: True}
    assert result.strict_hit is True

    weak = index.search("交付はどこ")  # 交付 only appears in an answer… and in question 1
    assert weak.strict_hit is True
    answer_only = index.search("市民課")
    assert keys(answer_only) == [1]
    assert answer_only.strict_hit is False
    nothing = index.search("ドローンの飛行許可")
    assert nothing.hits == [] and nothing.strict_hit is False
    assert index.search("  ＡＢＣ　　です ").normalized_query == "ABC です"


def test_empty_and_overlong_queries(no_model):
    index = SearchIndex.build([Document(key=1, question="粗大ごみ", answer="")], synonyms=NONE)
    empty = index.search(" 　 ", query_embedding=unit((0, 1)))
    assert empty.hits == [] and empty.strict_hit is False and empty.normalized_query == ""
    long = index.search("粗大ごみ" + "あ" * 5000)
    assert keys(long) == [1] and len(long.normalized_query) == index_module.MAX_QUERY_CHARS


def test_hybrid_fuses_both_rankings_by_reciprocal_rank(no_model):
    docs = [
        Document(
            key=1, question="粗大ごみの申し込み", answer="粗大ごみは電話で", embedding=unit((0, 1))
        ),
        Document(key=2, question="ごみの分別", answer="燃えるごみ", embedding=unit((1, 1))),
        Document(key=3, question="家具を捨てたい", answer="有料です", embedding=unit((2, 1))),
    ]
    index = SearchIndex.build(docs, synonyms=NONE)
    query_vector = unit((2, 0.8), (1, 0.6), (0, 0.1))  # dense order: 3, 2, 1
    lexical = index.search("粗大ごみ", mode="lexical", query_embedding=query_vector)
    assert keys(lexical) == [1, 2] and lexical.mode == "lexical"

    hybrid = index.search("粗大ごみ", mode="hybrid", query_embedding=query_vector)
    k, lw, dw = index_module.RRF_K, index_module.LEXICAL_WEIGHT, index_module.DENSE_WEIGHT
    expected = {1: lw / (k + 1) + dw / (k + 3), 2: lw / (k + 2) + dw / (k + 2), 3: dw / (k + 1)}
    assert hybrid.mode == "hybrid"
    assert keys(hybrid) == sorted(expected, key=lambda key: -expected[key]) == [1, 2, 3]
    assert [hit.score for hit in hybrid.hits] == pytest.approx([expected[x] for x in (1, 2, 3)])
    # the FAQ found by meaning alone is not a strict hit (for the zero-hit report)
    assert [hit.strict for hit in hybrid.hits] == [True, True, False]

    # default = hybrid when a query vector is at hand
    assert keys(index.search("粗大ごみ", query_embedding=query_vector)) == [1, 2, 3]


def test_without_the_model_search_falls_back_to_lexical(no_model):
    assert model_available() is False
    assert embed_passage("住民票") is None and embed_query("住民票") is None
    docs = [
        Document(key=1, question="粗大ごみの申し込み", answer="", embedding=unit((0, 1))),
        Document(key=2, question="家具を捨てたい", answer="", embedding=unit((2, 1))),
    ]
    index = SearchIndex.build(docs, synonyms=NONE)
    assert index.has_embeddings
    for mode in ("default", "hybrid"):
        result = index.search("粗大ごみ", mode=mode)
        assert result.mode == "lexical" and keys(result) == [1]
    # documents without vectors: a given query vector cannot be used either
    plain = SearchIndex.build([Document(key=1, question="粗大ごみ", answer="")], synonyms=NONE)
    result = plain.search("粗大ごみ", query_embedding=unit((0, 1)))
    assert result.mode == "lexical" and keys(result) == [1]


def test_bundled_model_embeds_queries_and_passages():
    assert model_available() is True
    query = embed_query("粗大ごみの出し方")
    near = embed_passage("粗大ごみの申し込み\n粗大ごみは電話で申し込んでください")
    far = embed_passage("パスポートの申請\n旅券窓口で申請します")
    assert query is not None and near is not None and far is not None
    assert len(query) == len(near) == dense.DIM * 4
    q = dense.from_bytes(query)
    assert float(np.linalg.norm(q)) == pytest.approx(1.0, abs=1e-4)
    assert float(q @ dense.from_bytes(near)) > float(q @ dense.from_bytes(far))


def test_suggest_by_reading_and_by_surface(no_model):
    docs = [
        Document(key=1, question="住民票の写しを取りたい", answer="市民課で交付します"),
        Document(key=2, question="住民税の納付", answer="口座振替ができます"),
        Document(key=3, question="粗大ごみの出し方", answer="電話で申し込み"),
    ]
    index = SearchIndex.build(docs, synonyms=NONE)
    by_reading = index.suggest("じゅうみん")
    assert "住民票" in by_reading.terms and "住民税" in by_reading.terms
    assert by_reading.questions == [1, 2]
    assert by_reading.terms[0] == "住民"  # the most frequent word first
    assert by_reading.top == [2, 1]  # nothing indexed reads じゅうみん: FAQs of 住民

    by_surface = index.suggest("住民")
    assert set(by_surface.terms) >= {"住民票", "住民税"}
    assert by_surface.questions == [1, 2]
    assert by_surface.top == [2, 1]  # the shorter FAQ first (BM25 length normalisation)

    katakana = index.suggest("ソダイ")
    assert katakana.terms == ["粗大", "粗大ごみ"] and katakana.questions == [3]
    assert index.suggest("  ").terms == []
    assert index.suggest("ゴミ").top == [3]
    assert len(index.suggest("じ", limit=1).terms) == 1


def test_cache_reuses_until_the_stamp_changes(no_model):
    cache = IndexCache(max_entries=2)
    built = []

    def loader(question):
        def load():
            built.append(question)
            return SearchIndex.build([Document(key=1, question=question, answer="")], synonyms=NONE)

        return load

    first = cache.get(center_id=1, language="ja", stamp=("t1", 1), loader=loader("住民票"))
    again = cache.get(center_id=1, language="ja", stamp=("t1", 1), loader=loader("別物"))
    assert again is first and built == ["住民票"]

    changed = cache.get(center_id=1, language="ja", stamp=("t2", 1), loader=loader("戸籍"))
    assert changed is not first and built == ["住民票", "戸籍"]
    assert keys(changed.search("戸籍")) == [1]

    english = cache.get(center_id=1, language="en", stamp=("t2", 1), loader=loader("tax"))
    assert english is not changed and len(cache) == 2
    cache.get(center_id=2, language="ja", stamp=1, loader=loader("ごみ"))  # evicts (1, ja)
    assert len(cache) == 2
    cache.get(center_id=1, language="ja", stamp=("t2", 1), loader=loader("戸籍"))
    assert built == ["住民票", "戸籍", "tax", "ごみ", "戸籍"]

    cache.invalidate(center_id=1)
    assert len(cache) == 1
    cache.invalidate()
    assert len(cache) == 0


def test_suggested_questions_earliest_match_first_then_key(no_model):
    docs = [
        Document(key=5, question="転入したときの国民健康保険", answer=""),
        Document(key=8, question="国民健康保険の保険料と国民年金", answer=""),
        Document(key=2, question="国民年金の免除", answer=""),
        Document(key=1, question="図書館", answer=""),
    ]
    index = SearchIndex.build(docs, synonyms=NONE)
    assert index.suggest("国民").questions == [2, 8, 5]
    assert index.suggest("こくみん").questions == [2, 8, 5]
    assert index.suggest("国民", limit=2).questions == [2, 8]
    assert index.suggest("としょ").questions == [1]
    assert index.suggest("存在しない").questions == []

"""The package API the knowledge app relies on (contract tests)."""

import json

import pytest

from madoguchi.knowledge import search
from madoguchi.knowledge.search import Document, SearchIndex, Synonyms, analyze_document

DOCS = [
    Document(key=3, question="住民票の写しを取りたい", answer="市民課の窓口で交付します。"),
    Document(key=1, question="粗大ごみの出し方", answer="電話で申し込んでください。"),
    Document(
        key=2,
        question="国民健康保険に加入したい",
        answer="転入の日から14日以内に届け出てください。",
    ),
]


@pytest.fixture(autouse=True)
def _no_model(no_model):
    pass


def test_analyze_document_is_json_and_versioned():
    terms = analyze_document(question="住民票の写し", answer="窓口で交付", keywords="住民票")
    again = json.loads(json.dumps(terms, ensure_ascii=False))
    assert again == terms
    assert terms["v"] == search.tokenize.ANALYZER_VERSION
    assert terms["question"] == ["住民", "票", "写し"]
    assert ["住民票", "じゅうみんひょう"] in terms["vocab"]
    assert terms["reading"].startswith("じゅうみんひょう")


def test_search_finds_and_orders_by_relevance():
    index = SearchIndex.build(DOCS, synonyms=Synonyms([]))
    result = index.search("住民票がほしい")
    assert [h.key for h in result.hits][:1] == [3]
    assert result.mode == "lexical"
    assert result.strict_hit is True


def test_stored_terms_are_used_and_stale_ones_redone():
    stale = analyze_document(question="粗大ごみ", answer="")
    stale["v"] = -1
    stale["question"] = ["まったく別"]
    docs = [
        Document(key=1, question="粗大ごみの出し方", answer="", terms=stale),
        Document(
            key=2,
            question="x",
            answer="",
            terms={**analyze_document(question="x", answer=""), "question": ["暗号"]},
        ),
    ]
    index = SearchIndex.build(docs, synonyms=Synonyms([]))
    assert [h.key for h in index.search("粗大ごみ").hits] == [1]
    assert [h.key for h in index.search("暗号").hits] == [2]

import math

import pytest

from madoguchi.knowledge.search.bm25 import BM25


def test_scores_match_a_hand_computed_example():
    # N = 3, lengths 2, 3, 1 → avgdl 2; k1 = 1.2, b = 0.75
    index = BM25([["a", "b"], ["a", "a", "c"], ["c"]], k1=1.2, b=0.75)
    scores = index.scores([("a", 1.0)])
    idf_a = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))  # ln 1.6 = 0.4700
    # d0: tf 1, dl 2: 1·2.2 / (1 + 1.2·(0.25 + 0.75·1)) = 2.2 / 2.2 = 1.0
    # d1: tf 2, dl 3: 2·2.2 / (2 + 1.2·(0.25 + 0.75·1.5)) = 4.4 / 3.65 = 1.2055
    assert scores[0] == pytest.approx(idf_a * 1.0, rel=1e-6)
    assert scores[1] == pytest.approx(idf_a * 4.4 / 3.65, rel=1e-6)
    assert scores[2] == 0.0
    assert scores[0] == pytest.approx(0.4700, abs=1e-4)
    assert scores[1] == pytest.approx(0.5666, abs=1e-4)


def test_query_weights_and_unknown_terms():
    index = BM25([["a", "b"], ["a", "a", "c"], ["c"]])
    both = index.scores([("a", 1.0), ("c", 0.5), ("zzz", 1.0)])
    a = index.scores([("a", 1.0)])
    c = index.scores([("c", 1.0)])
    assert list(both) == pytest.approx(list(a + 0.5 * c))
    assert index.document_frequency("a") == 2
    assert index.document_frequency("zzz") == 0
    assert list(index.postings("c")) == [1, 2]


def test_renumbering_keeps_each_document_its_score():
    plain = BM25([["a"], ["a", "b"], ["b"]])
    reordered = BM25([["a"], ["a", "b"], ["b"]], order=__import__("numpy").array([2, 0, 1]))
    # new position 0 holds old document 2, and so on
    assert list(reordered.scores([("a", 1.0), ("b", 1.0)])) == pytest.approx(
        [plain.scores([("a", 1.0), ("b", 1.0)])[i] for i in (2, 0, 1)]
    )
    assert list(reordered.postings("a")) == [1, 2]

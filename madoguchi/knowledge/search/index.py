"""The FAQ search index: documents, analysis on save, BM25 + optional dense, RRF fusion.

Everything runs in Python over what the knowledge app stores per FAQ text (the analysed
terms and the embedding), so the ranking is the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, TypedDict

import numpy as np
import numpy.typing as npt

from . import dense, tokenize
from .bm25 import BM25, PostingsBuilder
from .suggest import Suggester, Suggestions
from .synonyms import Synonyms

Mode = Literal["default", "lexical", "hybrid"]

# Reciprocal-rank fusion: score = Σ weight / (RRF_K + rank). Chosen on DEV: k = 10 with
# the lexical list weighted 1.2 (R@5 .816, MRR .645) beat the textbook k = 60 (.784/.633):
# a small k trusts the top of each list, where both rankers are good here.
RRF_K = 10
LEXICAL_WEIGHT = 1.2
DENSE_WEIGHT = 1.0
# Longer input (a pasted letter) is cut: the search box is for questions.
MAX_QUERY_CHARS = 500
# How deep each ranking is read before fusion.
FUSION_DEPTH = 100
# Lexical score = BM25(question + keywords + answer) + QUESTION_WEIGHT × BM25(question +
# keywords): a query worded like an FAQ question (or an operator's question variant)
# gains, while the answer text still counts. Chosen on DEV (R@5 .699 → .731).
QUESTION_WEIGHT = 0.3


class AnalyzedTerms(TypedDict):
    """What `analyze_document` returns; stored as JSON on the FAQ text row."""

    v: int  # tokenize.ANALYZER_VERSION when analysed; another value → analyse again
    question: list[str]
    answer: list[str]
    keywords: list[str]
    reading: str  # hiragana reading of the question (suggest by reading)
    vocab: list[list[str]]  # [surface, hiragana reading] of nouns (suggest terms)


@dataclass(frozen=True)
class Document:
    key: int  # FAQ id
    question: str
    answer: str
    keywords: str = ""  # operator keywords / question variants, free text
    terms: AnalyzedTerms | None = None  # from analyze_document(), stored on save
    embedding: bytes | None = None  # from embed_passage(), stored on save


@dataclass(frozen=True)
class Hit:
    key: int
    score: float
    strict: bool  # a query term (or a synonym of one) is in the FAQ question or keywords


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    normalized_query: str  # NFKC, blanks collapsed: what the zero-hit report counts
    mode: Literal["lexical", "hybrid"] = "lexical"
    terms: list[str] = field(default_factory=list)  # query terms after the stop list

    @property
    def strict_hit(self) -> bool:
        """False → the query goes to the zero-hit / weak-hit report."""
        return any(hit.strict for hit in self.hits)


def _vocab(words: list[tokenize.Word]) -> list[list[str]]:
    out: dict[str, str] = {}
    for w in words:
        if w.pos not in {"名詞", "接頭辞"} and not any(p[3] == "名詞" for p in w.parts):
            continue
        if len(w.surface) >= 2 and not w.surface.isdigit():
            out.setdefault(w.surface, w.reading)
        for surface, _normalized, reading, pos in w.parts:
            if pos == "名詞" and len(surface) >= 2 and not surface.isdigit():
                out.setdefault(surface, reading)
    return [[s, r] for s, r in out.items()]


def analyze_document(*, question: str, answer: str, keywords: str = "") -> AnalyzedTerms:
    """Analyse one FAQ text for the index (call on save and store the result)."""
    q_words = tokenize.words(tokenize.normalize(question))
    k_words = tokenize.words(tokenize.normalize(keywords))
    a_words = tokenize.words(tokenize.normalize(answer))

    def flat(ws: list[tokenize.Word]) -> list[str]:
        return [t for w in ws for t in tokenize.word_terms(w)]

    return AnalyzedTerms(
        v=tokenize.ANALYZER_VERSION,
        question=flat(q_words),
        answer=flat(a_words),
        keywords=flat(k_words),
        reading=tokenize.reading(question),
        vocab=_vocab(q_words + k_words + a_words),
    )


def is_current(terms: AnalyzedTerms | None) -> bool:
    """Stored terms made by this analyser version (else they must be redone)."""
    return bool(terms) and isinstance(terms, dict) and terms.get("v") == tokenize.ANALYZER_VERSION


def normalize_query(query: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", query).split())


class SearchIndex:
    """An immutable index over one knowledge base (one center, one language)."""

    def __init__(self, docs: Iterable[Document], *, synonyms: Synonyms) -> None:
        self.synonyms = synonyms
        full, question = PostingsBuilder(), PostingsBuilder()
        keys: list[int] = []
        questions: list[str] = []
        readings: list[str] = []
        self.vocabulary: Counter[tuple[str, str]] = Counter()
        vectors: list[tuple[int, bytes]] = []
        # One pass, one document alive at a time: a loader may stream 20,000 rows.
        for doc in docs:
            terms = doc.terms
            if terms is None or not is_current(terms):
                terms = analyze_document(
                    question=doc.question, answer=doc.answer, keywords=doc.keywords
                )
            full.add(terms["question"] + terms["keywords"] + terms["answer"])
            question.add(terms["question"] + terms["keywords"])
            keys.append(doc.key)
            questions.append(doc.question)
            readings.append(terms["reading"])
            self.vocabulary.update((s, r) for s, r in terms["vocab"])
            if doc.embedding:
                vectors.append((len(keys) - 1, doc.embedding))
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate document keys")
        # Held in key order, so equal scores fall back to the lower key.
        order = np.argsort(np.array(keys, dtype=np.int64), kind="stable")
        self.keys: list[int] = [keys[i] for i in order]
        self.questions = [questions[i] for i in order]
        self.readings = [readings[i] for i in order]
        self.bm25 = BM25(full, order=order)
        self.bm25_question = BM25(question, order=order)
        self.dense: npt.NDArray[np.float32] | None = None
        self._dense_rows: npt.NDArray[np.int64] | None = None
        if vectors:
            new_of_old = np.empty(len(keys), dtype=np.int64)
            new_of_old[order] = np.arange(len(keys))
            rows = sorted((int(new_of_old[old]), data) for old, data in vectors)
            matrix = np.zeros((len(rows), dense.DIM), dtype=np.float32)
            for j, (_row, data) in enumerate(rows):
                vector = dense.from_bytes(data)
                if vector.shape == (dense.DIM,):
                    matrix[j] = vector
            self.dense = matrix
            self._dense_rows = np.array([row for row, _data in rows], dtype=np.int64)
        self._suggester: Suggester | None = None

    @classmethod
    def build(cls, docs: Iterable[Document], *, synonyms: Synonyms | None = None) -> SearchIndex:
        """Index documents; missing or stale `terms` are analysed here (slow: store them).

        `docs` may be a generator (e.g. over `queryset.iterator()`): it is read once and
        no document is kept, so memory stays at the index's own size.
        `synonyms=None` means the product's default seed; pass `Synonyms([])` for none.
        """
        return cls(docs, synonyms=Synonyms.default() if synonyms is None else synonyms)

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def has_embeddings(self) -> bool:
        return self.dense is not None

    # --- search -------------------------------------------------------------------

    def query_terms(self, query: str) -> list[tuple[str, float]]:
        """Weighted query terms: the query's own (weight 1) and synonym expansions."""
        own = tokenize.query_terms(query)
        weighted = [(t, 1.0) for t in own]
        own_set = set(own)
        weighted.extend(
            (t, w) for t, w in self.synonyms.expand(tokenize.units(query)) if t not in own_set
        )
        return weighted

    def _lexical(
        self, weighted: list[tuple[str, float]]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        scores = self.bm25.scores(weighted) + QUESTION_WEIGHT * self.bm25_question.scores(weighted)
        candidates = np.flatnonzero(scores > 0)
        order = candidates[np.argsort(-scores[candidates], kind="stable")]
        return order, scores

    def _dense_order(self, query_vector: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
        assert self.dense is not None and self._dense_rows is not None  # noqa: S101
        sims = self.dense @ query_vector
        order = np.argsort(-sims, kind="stable")[:FUSION_DEPTH]
        return self._dense_rows[order]

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        mode: Mode = "default",
        query_embedding: bytes | None = None,
    ) -> SearchResult:
        """Best FAQs for a query, best first, ties broken by key.

        "default" is hybrid when the index has embeddings and a query vector can be had
        (given, or the model is installed), else lexical; "hybrid" falls back the same way.
        """
        normalized = normalize_query(query)[:MAX_QUERY_CHARS]
        if not normalized:
            return SearchResult(hits=[], normalized_query="", mode="lexical")
        weighted = self.query_terms(normalized)
        lexical_order, scores = self._lexical(weighted)
        in_question = np.zeros(len(self.keys), dtype=bool)
        for term in {t for t, _w in weighted}:
            in_question[self.bm25_question.postings(term)] = True

        vector: npt.NDArray[np.float32] | None = None
        if mode != "lexical" and self.dense is not None:
            if query_embedding is None and dense.model_available():
                query_embedding = dense.embed_query(normalized)
            if query_embedding is not None:
                vector = dense.from_bytes(query_embedding)
                if vector.shape != (dense.DIM,):
                    vector = None

        def strict(i: int) -> bool:
            return bool(in_question[i])

        if vector is None:
            hits = [
                Hit(key=self.keys[i], score=float(scores[i]), strict=strict(i))
                for i in lexical_order[:limit]
            ]
            return SearchResult(
                hits=hits,
                normalized_query=normalized,
                mode="lexical",
                terms=[t for t, w in weighted if w == 1.0],
            )

        fused: dict[int, float] = {}
        for rank, i in enumerate(lexical_order[:FUSION_DEPTH].tolist(), start=1):
            fused[i] = fused.get(i, 0.0) + LEXICAL_WEIGHT / (RRF_K + rank)
        for rank, i in enumerate(self._dense_order(vector).tolist(), start=1):
            fused[i] = fused.get(i, 0.0) + DENSE_WEIGHT / (RRF_K + rank)
        best = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        hits = [Hit(key=self.keys[i], score=s, strict=strict(i)) for i, s in best]
        return SearchResult(
            hits=hits,
            normalized_query=normalized,
            mode="hybrid",
            terms=[t for t, w in weighted if w == 1.0],
        )

    # --- suggest ------------------------------------------------------------------

    def suggest(self, prefix: str, *, limit: int = 8) -> Suggestions:
        """Terms and FAQ questions starting like `prefix` (surface or reading), plus the
        top three keys of a lexical search for the text typed so far."""
        if self._suggester is None:
            self._suggester = Suggester(self)
        return self._suggester.suggest(prefix, limit=limit)

"""Okapi BM25 over an in-memory inverted index (numpy, compressed sparse rows).

Each posting stores the document's saturated term weight
    tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl))
so a query is a sum of `idf × weight` vectors. Documents are held in key order, so a
stable sort on the score breaks ties by FAQ key. Postings live in three flat arrays
(term → slice), about 8 bytes per (term, document) pair, so 20,000 FAQs fit in tens of MB.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

K1 = 1.2
B = 0.75


class PostingsBuilder:
    """Collects (document, term, tf) triples one document at a time (streaming build)."""

    def __init__(self) -> None:
        self.term_ids: dict[str, int] = {}
        self.doc_ids, self.tids, self.tfs = array("i"), array("i"), array("f")
        self.lengths = array("f")

    def add(self, terms: Iterable[str]) -> None:
        i = len(self.lengths)
        counts = Counter(terms)
        self.lengths.append(sum(counts.values()))
        for term, tf in counts.items():
            self.doc_ids.append(i)
            self.tids.append(self.term_ids.setdefault(term, len(self.term_ids)))
            self.tfs.append(tf)


class BM25:
    def __init__(
        self,
        documents: Iterable[Iterable[str]] | PostingsBuilder,
        *,
        order: npt.NDArray[np.int64] | None = None,
        k1: float = K1,
        b: float = B,
    ) -> None:
        """Index documents (or a filled builder); `order[new] = old` renumbers them."""
        if isinstance(documents, PostingsBuilder):
            builder = documents
        else:
            builder = PostingsBuilder()
            for doc in documents:
                builder.add(doc)
        self.term_ids = builder.term_ids
        self.size = len(builder.lengths)
        dl = np.frombuffer(builder.lengths, dtype=np.float32).astype(np.float64)
        avgdl = float(dl.mean()) if self.size and dl.sum() else 1.0
        docs = np.frombuffer(builder.doc_ids, dtype=np.int32)
        tids = np.frombuffer(builder.tids, dtype=np.int32)
        tf = np.frombuffer(builder.tfs, dtype=np.float32).astype(np.float64)
        weights = tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * dl[docs] / avgdl))
        if order is not None:
            new_of_old = np.empty(self.size, dtype=np.int32)
            new_of_old[order] = np.arange(self.size, dtype=np.int32)
            docs = new_of_old[docs]
        # by term, then document ascending inside each term
        perm = np.lexsort((docs, tids))
        self.docs: npt.NDArray[np.int32] = docs[perm].astype(np.int32)
        self.weights: npt.NDArray[np.float32] = weights[perm].astype(np.float32)
        df = np.bincount(tids, minlength=len(self.term_ids))
        self.indptr: npt.NDArray[np.int64] = np.concatenate(([0], np.cumsum(df))).astype(np.int64)
        n = self.size
        # Lucene's idf: never negative, so a very common term still counts a little.
        self.idf: npt.NDArray[np.float64] = np.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def document_frequency(self, term: str) -> int:
        tid = self.term_ids.get(term)
        return 0 if tid is None else int(self.indptr[tid + 1] - self.indptr[tid])

    def postings(self, term: str) -> npt.NDArray[np.int32]:
        """Documents containing the term (ascending)."""
        tid = self.term_ids.get(term)
        if tid is None:
            return np.empty(0, dtype=np.int32)
        return self.docs[self.indptr[tid] : self.indptr[tid + 1]]

    def scores(self, weighted_terms: Iterable[tuple[str, float]]) -> npt.NDArray[np.float64]:
        """BM25 score of every document for query terms with their weights."""
        out = np.zeros(self.size, dtype=np.float64)
        for term, weight in weighted_terms:
            tid = self.term_ids.get(term)
            if tid is None:
                continue
            lo, hi = self.indptr[tid], self.indptr[tid + 1]
            out[self.docs[lo:hi]] += weight * self.idf[tid] * self.weights[lo:hi]
        return out

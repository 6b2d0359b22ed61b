"""Okapi BM25 over an in-memory inverted index (numpy), deterministic.

Each posting stores the document's saturated term weight
    tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl))
so a query is a sum of `idf × weight` vectors. Documents are held in key order, so a
stable sort on the score breaks ties by FAQ key.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

K1 = 1.2
B = 0.75


class BM25:
    def __init__(self, documents: Sequence[Iterable[str]], *, k1: float = K1, b: float = B) -> None:
        counts = [Counter(doc) for doc in documents]
        self.size = len(counts)
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float64)
        avgdl = float(lengths.mean()) if self.size and lengths.sum() else 1.0
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for i, c in enumerate(counts):
            norm = k1 * (1.0 - b + b * lengths[i] / avgdl)
            for term, tf in c.items():
                docs, weights = postings.setdefault(term, ([], []))
                docs.append(i)
                weights.append(tf * (k1 + 1.0) / (tf + norm))
        self.postings: dict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]] = {
            term: (np.array(d, dtype=np.int32), np.array(w, dtype=np.float32))
            for term, (d, w) in postings.items()
        }
        n = self.size
        # Lucene's idf: never negative, so a very common term still counts a little.
        self.idf: dict[str, float] = {
            term: math.log(1.0 + (n - len(d) + 0.5) / (len(d) + 0.5))
            for term, (d, _w) in self.postings.items()
        }

    def document_frequency(self, term: str) -> int:
        posting = self.postings.get(term)
        return 0 if posting is None else len(posting[0])

    def scores(self, weighted_terms: Iterable[tuple[str, float]]) -> npt.NDArray[np.float64]:
        """BM25 score of every document for query terms with their weights."""
        out = np.zeros(self.size, dtype=np.float64)
        for term, weight in weighted_terms:
            posting = self.postings.get(term)
            if posting is None:
                continue
            docs, tfw = posting
            out[docs] += weight * self.idf[term] * tfw
        return out

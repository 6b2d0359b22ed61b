"""As-you-type suggestions: index terms and FAQ questions by surface and by reading.

じゅうみん finds 住民票 through the reading stored for every noun; 住民 finds it by
surface. `top` runs the lexical search on the text typed so far, or on the first
suggested term when that finds nothing (kana still being typed); the model is not used
while typing (one query vector costs 20–100 ms).
"""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import tokenize

if TYPE_CHECKING:
    from .index import SearchIndex

TOP = 3
_END = "\U0010ffff"


@dataclass(frozen=True)
class Suggestions:
    terms: list[str]  # index vocabulary, most frequent first
    questions: list[int]  # FAQ keys whose question contains the prefix (surface/reading)
    top: list[int]  # top FAQ keys of the search for the text typed so far


def _range(items: list[tuple[str, str]], prefix: str) -> list[tuple[str, str]]:
    lo = bisect.bisect_left(items, (prefix, ""))
    hi = bisect.bisect_left(items, (prefix + _END, ""))
    return items[lo:hi]


class Suggester:
    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        counts = index.vocabulary
        self.df: dict[str, int] = {}
        by_surface: list[tuple[str, str]] = []
        by_reading: list[tuple[str, str]] = []
        for (surface, reading), n in counts.items():
            if surface in self.df:
                self.df[surface] += n
                continue
            self.df[surface] = n
            by_surface.append((tokenize.normalize(surface), surface))
            if reading:
                by_reading.append((reading, surface))
        self.by_surface = sorted(by_surface)
        self.by_reading = sorted(by_reading)
        self.questions = [tokenize.normalize(q) for q in index.questions]
        self.readings = index.readings

    def suggest(self, prefix: str, *, limit: int = 8) -> Suggestions:
        text = tokenize.normalize(prefix)
        if not text:
            return Suggestions(terms=[], questions=[], top=[])
        kana = tokenize.to_hiragana(text) if tokenize.is_kana(text) else None

        found = {surface for _k, surface in _range(self.by_surface, text)}
        if kana:
            found.update(surface for _k, surface in _range(self.by_reading, kana))
        terms = heapq.nsmallest(limit, found, key=lambda s: (-self.df[s], len(s), s))

        matches: list[tuple[int, int]] = []
        for i, question in enumerate(self.questions):
            pos = question.find(text)
            if pos < 0 and kana:
                pos = self.readings[i].find(kana)
            if pos >= 0:
                matches.append((pos, self.index.keys[i]))
        questions = [key for _pos, key in heapq.nsmallest(limit, matches)]

        hits = self.index.search(prefix, limit=TOP, mode="lexical").hits
        if not hits and terms:
            # Kana still being typed (じゅうみん) matches no indexed term yet: show the
            # FAQs of the most frequent word it can become.
            hits = self.index.search(terms[0], limit=TOP, mode="lexical").hits
        top = [hit.key for hit in hits]
        return Suggestions(terms=terms, questions=questions, top=top)

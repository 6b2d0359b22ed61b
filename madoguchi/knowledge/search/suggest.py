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


class _Haystack:
    """Texts joined by a separator that no query contains, with their start offsets."""

    SEP = "\x00"

    def __init__(self, texts: list[str]) -> None:
        self.text = self.SEP.join(t.replace(self.SEP, " ") for t in texts)
        self.starts: list[int] = []
        offset = 0
        for t in texts:
            self.starts.append(offset)
            offset += len(t) + 1
        self.sorted = sorted((t, i) for i, t in enumerate(texts))

    def first_matches(self, needle: str, limit: int) -> dict[int, int]:
        """{text number: position of the first match inside it}, complete enough to give
        the `limit` best by (position, text number)."""
        out: dict[int, int] = {}
        if not needle or self.SEP in needle:
            return out
        lo = bisect.bisect_left(self.sorted, (needle, -1))
        hi = bisect.bisect_left(self.sorted, (needle + _END, -1))
        if hi - lo >= limit:
            # enough texts start with it (short prefixes): no other match can rank higher
            return {i: 0 for i in heapq.nsmallest(limit, (i for _t, i in self.sorted[lo:hi]))}
        find, starts = self.text.find, self.starts
        pos = find(needle)
        while pos >= 0:
            i = bisect.bisect_right(starts, pos) - 1
            out.setdefault(i, pos - starts[i])
            # the rest of this text cannot give an earlier match: jump to the next one
            nxt = starts[i + 1] if i + 1 < len(starts) else len(self.text)
            pos = find(needle, nxt)
        return out


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
        # All questions (and readings) in one string each, so a prefix is found by one
        # C-level scan instead of a Python loop over 20,000 questions.
        self.questions = _Haystack([tokenize.normalize(q) for q in index.questions])
        self.readings = _Haystack(index.readings)

    def suggest(self, prefix: str, *, limit: int = 8) -> Suggestions:
        text = tokenize.normalize(prefix)
        if not text:
            return Suggestions(terms=[], questions=[], top=[])
        kana = tokenize.to_hiragana(text) if tokenize.is_kana(text) else None

        found = {surface for _k, surface in _range(self.by_surface, text)}
        if kana:
            found.update(surface for _k, surface in _range(self.by_reading, kana))
        terms = heapq.nsmallest(limit, found, key=lambda s: (-self.df[s], len(s), s))

        first = self.questions.first_matches(text, limit)
        if kana:
            for i, pos in self.readings.first_matches(kana, limit).items():
                first[i] = min(pos, first.get(i, pos))
        keys = self.index.keys
        questions = [
            keys[i]
            for _pos, _key, i in heapq.nsmallest(
                limit, ((pos, keys[i], i) for i, pos in first.items())
            )
        ]

        hits = self.index.search(prefix, limit=TOP, mode="lexical").hits
        if not hits and terms:
            # Kana still being typed (じゅうみん) matches no indexed term yet: show the
            # FAQs of the most frequent word it can become.
            hits = self.index.search(terms[0], limit=TOP, mode="lexical").hits
        top = [hit.key for hit in hits]
        return Suggestions(terms=terms, questions=questions, top=top)

"""The operator-edited synonym dictionary, expanded at query time.

A entry is a term and its alternatives (国保 → 国民健康保険); the group is symmetric:
when a query contains any member, as a run of short units, the other members' terms are
added to the query with a lower weight (`WEIGHT`), so an exact wording still ranks first.
Nothing is expanded at indexing time, so editing the dictionary never needs a re-index.
The product ships a generic municipal seed (`default_synonyms.tsv`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from . import tokenize

# Weight of an expanded term against the query's own terms (1.0); chosen on DEV.
WEIGHT = 0.3
DEFAULT_SEED = Path(__file__).with_name("default_synonyms.tsv")


class Synonyms:
    def __init__(self, groups: Iterable[Iterable[str]], *, weight: float = WEIGHT) -> None:
        self.weight = weight
        self.groups: list[tuple[str, ...]] = []
        seen: set[tuple[str, ...]] = set()
        for group in groups:
            members = tuple(dict.fromkeys(m.strip() for m in group if m and m.strip()))
            if len(members) > 1 and members not in seen:
                seen.add(members)
                self.groups.append(members)
        # first unit → [(unit sequence, group index, member index)]
        self._starts: dict[str, list[tuple[tuple[str, ...], int, int]]] = {}
        self._terms: list[list[list[str]]] = []  # group → member → index terms
        for gi, members in enumerate(self.groups):
            self._terms.append([tokenize.terms(m) for m in members])
            for mi, member in enumerate(members):
                seq = tuple(tokenize.units(member))
                if seq:
                    self._starts.setdefault(seq[0], []).append((seq, gi, mi))
        digest = hashlib.sha256(repr((weight, sorted(self.groups))).encode("utf-8")).hexdigest()
        self.version = digest[:16]

    @classmethod
    def from_pairs(
        cls, pairs: Iterable[tuple[str, Iterable[str]]], *, weight: float = WEIGHT
    ) -> Synonyms:
        """From (term, alternatives) pairs, e.g. rows of the operator's dictionary."""
        return cls(([term, *alternatives] for term, alternatives in pairs), weight=weight)

    @classmethod
    def from_tsv(cls, text: str, *, weight: float = WEIGHT) -> Synonyms:
        """One group per line, members separated by tabs; `#` starts a comment."""
        groups = []
        for line in text.splitlines():
            line = line.split("#", 1)[0]
            members = [m for m in line.split("\t") if m.strip()]
            if members:
                groups.append(members)
        return cls(groups, weight=weight)

    @classmethod
    def default(cls) -> Synonyms:
        """The generic municipal seed shipped with the product."""
        return _default()

    def __len__(self) -> int:
        return len(self.groups)

    def expand(self, query_units: list[str]) -> list[tuple[str, float]]:
        """Extra (term, weight) pairs for a query given as its short units."""
        found: dict[int, set[int]] = {}
        for i, unit in enumerate(query_units):
            for seq, gi, mi in self._starts.get(unit, ()):
                if tuple(query_units[i : i + len(seq)]) == seq:
                    found.setdefault(gi, set()).add(mi)
        extra: list[tuple[str, float]] = []
        for gi in sorted(found):
            present = found[gi]
            for mi, member_terms in enumerate(self._terms[gi]):
                if mi in present:
                    continue
                extra.extend((t, self.weight) for t in member_terms)
        return extra


@cache
def _default() -> Synonyms:
    return Synonyms.from_tsv(DEFAULT_SEED.read_text(encoding="utf-8"))

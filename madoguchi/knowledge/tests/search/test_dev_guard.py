"""Guard the lexical search quality on the localgovFAQ DEV split (evaluation data only).

The data is never copied into the repository: it is read from `$MADOGUCHI_EVAL_DIR`
(default `<repo>/../shared/eval`). The metric is computed here from the labels:
Recall@5 = share of queries with at least one relevant FAQ (grade ≥ 1) in the top 5.
"""

import csv
import json
import os
from pathlib import Path

import pytest

from madoguchi.knowledge.management.commands.faq_rank import build_index

EVAL_DIR = Path(
    os.environ.get(
        "MADOGUCHI_EVAL_DIR", Path(__file__).resolve().parents[4].parent / "shared" / "eval"
    )
)
FAQ = EVAL_DIR / "faq"
LEXICAL_RECALL_AT_5 = 0.74


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.mark.skipif(
    not (FAQ / "qrels_dev.tsv").exists(),
    reason=f"evaluation set not found at {FAQ}: set MADOGUCHI_EVAL_DIR to the shared/eval dir",
)
def test_dev_lexical_recall_at_5(monkeypatch):
    monkeypatch.setenv("MADOGUCHI_SEARCH_MODEL", "off")
    corpus = read_jsonl(FAQ / "corpus.jsonl")
    queries = read_jsonl(FAQ / "queries_dev.jsonl")
    relevant: dict[str, set[str]] = {}
    with open(FAQ / "qrels_dev.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if int(row["grade"]) >= 1:
                relevant.setdefault(row["qid"], set()).add(row["doc_id"])

    index, ids = build_index(corpus, embed=False, cache_path=None, log=lambda _m: None)
    found = 0
    for q in queries:
        hits = index.search(q["query"], limit=5, mode="lexical").hits
        if relevant.get(str(q["qid"]), set()) & {ids[h.key - 1] for h in hits}:
            found += 1
    recall = found / len(relevant)
    assert len(queries) == len(relevant) == 375
    assert recall >= LEXICAL_RECALL_AT_5, (
        f"DEV lexical Recall@5 {recall:.3f} < {LEXICAL_RECALL_AT_5}"
    )

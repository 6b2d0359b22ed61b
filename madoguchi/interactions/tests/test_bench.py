"""``madoguchi bench_interactions`` runs end to end on a small scale and prints its JSON."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from madoguchi.interactions.models import Interaction
from madoguchi.interactions.tests.factories import InteractionFactory


def test_bench_prints_export_and_search_figures(db):
    out = io.StringIO()
    call_command(
        "bench_interactions",
        "--export-rows",
        "300",
        "--search-rows",
        "600",
        "--queries",
        "20",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert Interaction.objects.count() == 600
    assert [e["format"] for e in result["export"]] == ["csv", "xlsx"]
    assert [e["rows"] for e in result["export"]] == [300, 300]
    assert result["export"][0]["peak_traced_mb"] > 0
    assert result["export"][0]["rows_per_s"] > 0
    assert result["search"]["rows"] == 600 and result["search"]["queries"] == 20
    assert (
        0 < result["search"]["p50_ms"] <= result["search"]["p95_ms"] <= result["search"]["max_ms"]
    )
    assert set(result["limits"]) == {
        "export_peak_memory_mb",
        "search_p95_ms",
        "export_memory_ok",
        "search_p95_ok",
    }


def test_bench_refuses_a_database_with_records(db):
    InteractionFactory.create()
    with pytest.raises(CommandError, match="空のデータベース"):
        call_command("bench_interactions", "--export-rows", "10", "--search-rows", "10")

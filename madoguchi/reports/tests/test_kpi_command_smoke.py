"""A first end-to-end check of ``madoguchi kpi`` over calls imported with cdr_import."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from madoguchi.calls.cdr import COLUMNS, cdr_import

pytestmark = pytest.mark.django_db

ROWS = [
    # 2026-10-01 is a Thursday: いわき opens 08:30–19:00
    "s1,0246-22-1111,2026-10-01T09:00:00+09:00,2026-10-01T09:00:10+09:00,"
    "2026-10-01T09:05:10+09:00,2026-10-01T09:06:10+09:00,answered,,true,false,ごみ,FAQ-1",
    "s2,0246-22-1111,2026-10-01T09:30:00+09:00,,2026-10-01T09:30:40+09:00,,abandoned,,,,,",
    "s3,0246-22-1111,2026-10-01T20:00:00+09:00,,,,after_hours,,,,,",
]


def test_kpi_command_json(iwaki) -> None:
    data = (",".join(COLUMNS) + "\n" + "\n".join(ROWS) + "\n").encode()
    assert not cdr_import(actor=None, center=iwaki, data=data).errors
    out = io.StringIO()
    call_command(
        "kpi", "--center", "iwaki", "--from", "2026-10-01", "--to", "2026-10-01", stdout=out
    )
    result = json.loads(out.getvalue())
    assert (result["offered"], result["answered"], result["abandoned"]) == (2, 1, 1)
    assert result["after_hours"] == 1
    assert result["answer_rate"] == pytest.approx(0.5)
    assert result["asa_s"] == pytest.approx(10)
    assert result["avg_talk_s"] == pytest.approx(300)
    assert result["avg_abandon_wait_s"] == pytest.approx(40)
    assert result["operating_hours"] == pytest.approx(10.5)  # 08:30–19:00
    assert result["by_line"]["0246-22-1111"]["offered"] == 2
    assert result["by_hour"]["09"]["answered"] == 1
    assert result["faq_use"] == {"FAQ-1": 1}

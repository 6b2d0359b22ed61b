"""The call-record exchange CSV (KPI.md): round trip, row/column errors, all or nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from madoguchi.audit.models import AuditEvent
from madoguchi.calls.cdr import COLUMNS, cdr_import
from madoguchi.calls.errors import CallsError
from madoguchi.calls.models import Call, Disposition

HEADER = ",".join(COLUMNS)
GOOD = [
    "A-1,0246-22-1111,2026-01-05T08:30:05+09:00,2026-01-05T08:30:12+09:00,"
    "2026-01-05T08:34:00+09:00,2026-01-05T08:35:00+09:00,answered,,true,false,ごみ,F-001;F-002",
    "A-2,0246-54-2111,2026-01-05T09:00:00+09:00,,,,abandoned,,,,,",
    "A-3,0246-22-1111,2026-01-05T19:00:00+09:00,,,,after_hours,,,,,",
    "A-4,0246-22-1111,2026-01-05T10:00:00+09:00,2026-01-05T10:00:03+09:00,"
    "2026-01-05T10:09:00+09:00,,answered,市民課,true,true,住民票,",
]


def csv_bytes(*rows: str, bom: bool = False) -> bytes:
    text = "\n".join([HEADER, *rows]) + "\n"
    return ("\ufeff" + text if bom else text).encode("utf-8")


def test_import_creates_calls_with_every_field(iwaki):
    report = cdr_import(actor=None, center=iwaki, data=csv_bytes(*GOOD, bom=True))
    assert (report.created, report.updated, report.errors) == (4, 0, [])
    call = Call.objects.get(external_id="A-1")
    assert call.dialed_number == "+81246221111"
    assert call.disposition == Disposition.ANSWERED
    assert call.wait_s == 7.0
    assert (call.resolved_in_center, call.is_switchboard_transfer) == (True, False)
    assert (call.category, call.faq_ids) == ("ごみ", ["F-001", "F-002"])
    assert Call.objects.get(external_id="A-3").in_hours is False
    assert Call.objects.get(external_id="A-4").transferred_to == "市民課"
    assert AuditEvent.objects.filter(action="calls.cdr.imported").get().data == {
        "created": 4,
        "updated": 0,
    }


def test_in_hours_follows_the_center_calendar_not_the_record(iwaki):
    """KPI.md: arrival inside opening hours (08:30 in, 19:00 out on a weekday; Dec 29 to
    Jan 3 closed) — the same rule the KPI engine and the 15-minute totals use."""
    rows = [
        "B-1,0246-22-1111,2026-01-05T18:59:59+09:00,2026-01-05T19:00:20+09:00,"
        "2026-01-05T19:03:00+09:00,,answered,,true,false,,",
        "B-2,0246-22-1111,2026-01-05T19:00:00+09:00,2026-01-05T19:00:04+09:00,"
        "2026-01-05T19:02:00+09:00,,answered,,true,false,,",
        "B-3,0246-22-1111,2026-01-05T08:29:59+09:00,,,,abandoned,,,,,",
        "B-4,0246-22-1111,2026-01-02T10:00:00+09:00,,,,abandoned,,,,,",
    ]
    cdr_import(actor=None, center=iwaki, data=csv_bytes(*rows))
    in_hours = dict(Call.objects.values_list("external_id", "in_hours"))
    assert in_hours == {"B-1": True, "B-2": False, "B-3": False, "B-4": False}
    # The record's own outcome is kept: it was answered, only not within the hours.
    assert Call.objects.get(external_id="B-2").disposition == Disposition.ANSWERED


def test_reimport_updates_instead_of_duplicating(iwaki):
    cdr_import(actor=None, center=iwaki, data=csv_bytes(*GOOD))
    changed = GOOD[1].replace("abandoned", "voicemail")
    report = cdr_import(actor=None, center=iwaki, data=csv_bytes(changed))
    assert (report.created, report.updated) == (0, 1)
    assert Call.objects.count() == 4
    assert Call.objects.get(external_id="A-2").disposition == Disposition.VOICEMAIL


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (",0246-22-1111,2026-01-05T09:00:00+09:00,,,,abandoned,,,,,", "call_id", "必須です。"),
        (
            "B,0246-22-111,2026-01-05T09:00:00+09:00,,,,abandoned,,,,,",
            "line",
            "電話番号として正しくありません",
        ),
        (
            "B,097-510-5151,2026-01-05T09:00:00+09:00,,,,abandoned,,,,,",
            "line",
            "このセンターの着信番号ではありません。",
        ),
        ("B,0246-22-1111,2026-01-05 09:00,,,,abandoned,,,,,", "offered_at", "時差付き"),
        ("B,0246-22-1111,2026-02-30T09:00:00+09:00,,,,abandoned,,,,,", "offered_at", "時差付き"),
        ("B,0246-22-1111,,,,,abandoned,,,,,", "offered_at", "必須です。"),
        ("B,0246-22-1111,2026-01-05T09:00:00+09:00,,,,lost,,,,,", "outcome", "いずれかです。"),
        (
            "B,0246-22-1111,2026-01-05T09:00:00+09:00,,,,answered,,,,,",
            "answered_at",
            "応答時刻が必要",
        ),
        (
            "B,0246-22-1111,2026-01-05T09:00:00+09:00,2026-01-05T08:59:00+09:00,,,answered,,,,,",
            "answered_at",
            "offered_at より前の時刻です。",
        ),
        (
            "B,0246-22-1111,2026-01-05T09:00:00+09:00,,,,abandoned,,yes,,,",
            "resolved_in_center",
            "true / false",
        ),
    ],
)
def test_a_bad_row_is_reported_with_row_and_column_and_nothing_is_written(
    iwaki, row, column, message
):
    before = AuditEvent.objects.count()
    report = cdr_import(actor=None, center=iwaki, data=csv_bytes(GOOD[0], row, GOOD[1]))
    assert len(report.errors) == 1
    error = report.errors[0]
    assert (error.row, error.column) == (3, column)
    assert message in error.message
    assert str(error).startswith(f"3行目「{column}」: ")
    assert Call.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_duplicate_call_id_in_one_file(iwaki):
    report = cdr_import(actor=None, center=iwaki, data=csv_bytes(GOOD[0], GOOD[0]))
    assert [(e.row, e.column) for e in report.errors] == [(3, "call_id")]


def test_missing_column_and_wrong_encoding_are_clear(iwaki):
    with pytest.raises(CallsError, match="見出し行に列がありません: faq_ids_used"):
        cdr_import(
            actor=None,
            center=iwaki,
            data=b"call_id,line,offered_at,answered_at,"
            b"ended_at,wrap_end_at,outcome,transferred_to,resolved_in_center,"
            b"is_switchboard_transfer,category\n",
        )
    with pytest.raises(CallsError, match="UTF-8"):
        cdr_import(
            actor=None,
            center=iwaki,
            data=csv_bytes(GOOD[0]).replace("ごみ".encode(), "ごみ".encode("cp932")),
        )


def test_dry_run_checks_without_writing(iwaki):
    report = cdr_import(actor=None, center=iwaki, data=csv_bytes(*GOOD), dry_run=True)
    assert report.errors == []
    assert Call.objects.count() == 0


def test_export_then_import_round_trips(iwaki, tmp_path: Path):
    source = tmp_path / "in.csv"
    source.write_bytes(csv_bytes(*GOOD))
    call_command("cdr_import", str(source), "--center", "iwaki", stdout=io.StringIO())
    out = tmp_path / "out.csv"
    call_command(
        "cdr_export",
        "--center",
        "iwaki",
        "--since",
        "2026-01-05",
        "--until",
        "2026-01-05",
        "--output",
        str(out),
        stderr=io.StringIO(),
    )
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER
    assert lines[1] == GOOD[0].replace("0246-22-1111", "+81246221111")
    assert len(lines) == 5
    Call.objects.all().delete()
    call_command("cdr_import", str(out), "--center", "iwaki", stdout=io.StringIO())
    assert Call.objects.count() == 4
    assert AuditEvent.objects.filter(action="calls.cdr.exported").get().data == {"rows": 4}


def test_import_command_lists_errors_and_fails(iwaki, tmp_path: Path):
    source = tmp_path / "bad.csv"
    source.write_bytes(csv_bytes(GOOD[0], "B,0246-22-1111,,,,,lost,,,,,"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 件の誤りがあるため、取り込みませんでした。"):
        call_command("cdr_import", str(source), "--center", "iwaki", stderr=err)
    assert "3行目「offered_at」: 必須です。" in err.getvalue()
    assert Call.objects.count() == 0
    with pytest.raises(CommandError, match="ファイル .* がありません。"):
        call_command("cdr_import", str(tmp_path / "none.csv"), "--center", "iwaki")
    with pytest.raises(CommandError, match="日付として読めません"):
        call_command("cdr_export", "--center", "iwaki", "--since", "2026/01/05")

"""Roster import (RSV-5): encodings, row/column errors, re-import, never half-applies."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from madoguchi.reservations.errors import ReservationsError
from madoguchi.reservations.models import RosterEntry
from madoguchi.reservations.roster import roster_import
from madoguchi.reservations.tests.factories import RosterEntryFactory
from madoguchi.tenancy.tests.factories import CenterFactory

pytestmark = pytest.mark.django_db

GOOD = (
    "接種券番号,生年月日,対象,備考\r\n"
    "0000000001,1950-04-01,1,\r\n"
    "0000000002,1948/12/3,対象外,転出\r\n"
)


def _rows(center):
    return list(
        RosterEntry.objects.filter(center=center)
        .order_by("coupon_number")
        .values_list("coupon_number", "birth_date", "eligible", "note")
    )


@pytest.mark.parametrize("encoding", ["cp932", "utf-8", "utf-8-sig"])
def test_import_reads_cp932_and_utf8(encoding, audit_trail):
    center = CenterFactory.create()
    result = roster_import(actor=None, center=center, data=GOOD.encode(encoding), filename="a.csv")
    assert (result.applied, result.rows, result.created, result.errors) == (True, 2, 2, [])
    assert _rows(center) == [
        ("0000000001", date(1950, 4, 1), True, ""),
        ("0000000002", date(1948, 12, 3), False, "転出"),
    ]
    [event] = audit_trail.events()
    assert event.action == "reservations.roster.imported"
    assert event.data["created"] == 2 and "0000000001" not in str(event.data)


def test_reimport_updates_adds_and_keeps_missing_people():
    center = CenterFactory.create()
    roster_import(actor=None, center=center, data=GOOD.encode("cp932"))
    again = "券番号,生年月日,対象\n0000000001,19500402,1\n0000000003,1960-01-01,\n"
    result = roster_import(actor=None, center=center, data=again.encode())
    assert (result.created, result.updated, result.unchanged, result.not_in_file) == (1, 1, 0, 1)
    assert _rows(center) == [
        ("0000000001", date(1950, 4, 2), True, ""),
        ("0000000002", date(1948, 12, 3), False, "転出"),
        ("0000000003", date(1960, 1, 1), True, ""),
    ]


def test_errors_name_row_and_column_and_change_nothing(audit_trail):
    center = CenterFactory.create()
    kept = RosterEntryFactory.create(center=center, coupon_number="0000000001")
    bad = (
        "接種券番号,生年月日,対象\n"
        "0000000001,1999-01-01,1\n"  # fine: would update if the file were good
        "12AB,1950-01-01,1\n"
        "0000000005,1950-13-01,1\n"
        "0000000006,1950-01-01,たぶん\n"
        "0000000001,1950-01-01,1\n"
    )
    result = roster_import(actor=None, center=center, data=bad.encode("cp932"))
    assert result.applied is False
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "接種券番号"),
        (4, "生年月日"),
        (5, "対象"),
        (6, "接種券番号"),
    ]
    assert (
        str(result.errors[1])
        == "4行目「生年月日」: 「1950-13-01」は日付として読めません（例: 1950-04-01）。"
    )
    assert "2行目と重複" in str(result.errors[3])
    assert _rows(center) == [(kept.coupon_number, kept.birth_date, True, "")]
    assert audit_trail.events() == []


def test_missing_column_and_undecodable_file():
    center = CenterFactory.create()
    result = roster_import(actor=None, center=center, data="番号,誕生日\n1,2\n".encode())
    assert [str(e) for e in result.errors] == [
        "1行目: 「接種券番号」の列がありません。",
        "1行目: 「生年月日」の列がありません。",
    ]
    with pytest.raises(ReservationsError):
        roster_import(actor=None, center=center, data=b"\xff\xfe\x00\x81\x00")
    assert RosterEntry.objects.count() == 0


def test_dry_run_writes_nothing():
    center = CenterFactory.create()
    result = roster_import(actor=None, center=center, data=GOOD.encode(), dry_run=True)
    assert (result.applied, result.created) == (False, 2)
    assert RosterEntry.objects.count() == 0


def test_command(tmp_path: Path):
    center = CenterFactory.create(slug="niigata-test")
    path = tmp_path / "roster.csv"
    path.write_bytes(GOOD.encode("cp932"))
    out = io.StringIO()
    call_command("roster_import", "--center", "niigata-test", str(path), "--dry-run", stdout=out)
    assert "追加 2" in out.getvalue() and RosterEntry.objects.count() == 0
    call_command("roster_import", "--center", "niigata-test", str(path), stdout=out)
    assert RosterEntry.objects.filter(center=center).count() == 2
    path.write_bytes("接種券番号,生年月日\n1,昭和\n".encode("cp932"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 件の誤り"):
        call_command("roster_import", "--center", "niigata-test", str(path), stderr=err)
    assert "2行目「生年月日」" in err.getvalue()

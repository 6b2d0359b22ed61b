"""FAQ-3 round trip: export → edit as in Excel → import changes exactly the edited rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from madoguchi.accounts.models import Role
from madoguchi.accounts.tests.factories import MembershipFactory
from madoguchi.knowledge import csvio, services
from madoguchi.knowledge.content import FaqContent, TextInput
from madoguchi.knowledge.errors import KnowledgeError
from madoguchi.knowledge.models import Axis, Faq, FaqVersion
from madoguchi.knowledge.tests.factories import FaqCategoryFactory
from madoguchi.tenancy.tests.factories import CenterFactory, DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def base():
    """A center with five FAQs made through the services (so each has version 1)."""
    center = CenterFactory.create(slug="iwaki-test")
    editor = MembershipFactory.create(center=center, role=Role.FAQ_EDITOR).user
    DepartmentFactory.create(center=center, name="市民課")
    FaqCategoryFactory.create(center=center, axis=Axis.LIFE_EVENT, slug="hikkoshi")
    for i in range(1, 6):
        services.faq_create(
            actor=editor,
            center=center,
            code=f"FAQ-{i:03d}",
            content=FaqContent(
                texts={
                    "ja": TextInput(
                        f"質問{i}：住民票は、どこで取れますか？",
                        f"回答{i}：市民課の窓口、\n支所でも取れます。",
                        "住民票の写し\nじゅうみんひょう",
                    ),
                    **({"en": TextInput(f"Question {i}", f"Answer {i}")} if i == 2 else {}),
                },
                links=[("https://www.city.example.jp/juminhyo.html", "住民票の写し")],
            ),
        )
    return center, editor


def _table(data: bytes) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))]


def _csv(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def test_export_has_one_row_per_faq_with_japanese_headers(base) -> None:
    center, editor = base
    rows = _table(csvio.export_csv(actor=editor, center=center))
    assert rows[0][:3] == ["FAQ-ID", "状態", "所管課"]
    assert [r[0] for r in rows[1:]] == [f"FAQ-{i:03d}" for i in range(1, 6)]
    header = rows[0]
    second = dict(zip(header, rows[2], strict=True))
    assert second["質問(en)"] == "Question 2"
    assert second["回答(ja)"] == "回答2：市民課の窓口、\n支所でも取れます。"
    assert second["状態"] == "下書き"


def test_two_edited_rows_give_exactly_two_new_versions(base, audit_trail) -> None:
    center, editor = base
    rows = _table(csvio.export_csv(actor=editor, center=center))
    header = rows[0]
    rows[2][header.index("回答(ja)")] += "\n土曜日も開いています。"
    rows[4][header.index("所管課")] = "市民課"
    rows[4][header.index("分類")] = "life_event:hikkoshi"
    before = FaqVersion.objects.count()
    audit_trail.mark()
    report = csvio.faq_import(actor=editor, center=center, data=_csv(rows))
    assert report.errors == []
    assert report.applied
    assert (report.created, report.updated, report.unchanged) == (0, 2, 3)
    assert FaqVersion.objects.count() == before + 2
    changed = {v.faq.code: v for v in FaqVersion.objects.filter(number=2)}
    assert sorted(changed) == ["FAQ-002", "FAQ-004"]
    assert changed["FAQ-002"].snapshot["texts"]["ja"]["answer"].endswith("土曜日も開いています。")
    assert changed["FAQ-004"].snapshot["department"] == "市民課"
    assert changed["FAQ-004"].snapshot["categories"] == ["life_event:hikkoshi"]
    assert sorted(audit_trail.actions()) == [
        "knowledge.faq.imported",
        "knowledge.faq.updated",
        "knowledge.faq.updated",
    ]
    # Importing the same file again changes nothing.
    again = csvio.faq_import(actor=editor, center=center, data=_csv(rows))
    assert (again.updated, again.unchanged) == (0, 5)
    assert FaqVersion.objects.count() == before + 2


def test_xlsx_export_imports_back_unchanged(base) -> None:
    center, editor = base
    data = csvio.export_xlsx(actor=editor, center=center)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet["A1"].value == "FAQ-ID"
    assert sheet["A2"].value == "FAQ-001"
    report = csvio.faq_import(actor=editor, center=center, data=data, filename="faq.xlsx")
    assert report.errors == []
    assert (report.updated, report.unchanged) == (0, 5)


def test_cp932_file_is_accepted_and_creates_a_draft(base) -> None:
    center, editor = base
    rows = [
        ["FAQ-ID", "質問(ja)", "回答(ja)", "公開サイト掲載", "公開開始"],
        ["FAQ-100", "犬の登録はどこでしますか", "保健所で登録できます。", "0", "2026/4/1 9:00"],
    ]
    report = csvio.faq_import(actor=editor, center=center, data=_csv(rows, "cp932"))
    assert report.errors == []
    assert report.created == 1
    faq = Faq.objects.get(code="FAQ-100")
    assert faq.texts.get().question == "犬の登録はどこでしますか"
    assert faq.is_public is False
    assert faq.publish_start is not None
    assert faq.publish_start.isoformat() == "2026-04-01T00:00:00+00:00"  # 09:00 in Tokyo


def test_utf8_without_bom_is_accepted(base) -> None:
    center, editor = base
    rows = [["FAQ-ID", "質問(ja)", "回答(ja)"], ["FAQ-101", "質問", "回答"]]
    report = csvio.faq_import(actor=editor, center=center, data=_csv(rows, "utf-8"))
    assert (report.errors, report.created) == ([], 1)


def test_broken_csv_reports_row_and_column_and_changes_nothing(base) -> None:
    center, editor = base
    rows = _table(csvio.export_csv(actor=editor, center=center))
    header = rows[0]
    rows[1][header.index("回答(ja)")] = "変更したが保存されないはず"
    rows[3][header.index("公開サイト掲載")] = "たぶん"
    rows[4][header.index("公開開始")] = "来年の春"
    rows[5][header.index("質問(ja)")] = "My Number 1234 5678 9018 の件"
    before = {f.code: f.version for f in Faq.objects.all()}
    report = csvio.faq_import(actor=editor, center=center, data=_csv(rows))
    assert not report.applied
    located = [(p.row, p.column, p.column_number) for p in report.errors]
    assert located == [
        (4, "公開サイト掲載", header.index("公開サイト掲載") + 1),
        (5, "公開開始", header.index("公開開始") + 1),
        (6, "質問(ja)", header.index("質問(ja)") + 1),
    ]
    assert str(report.errors[0]).startswith("4行目 6列目「公開サイト掲載」:")
    assert {f.code: f.version for f in Faq.objects.all()} == before
    assert Faq.objects.get(code="FAQ-001").texts.get(language="ja").answer.startswith("回答1")


def test_header_and_duplicate_problems_are_reported(base) -> None:
    center, editor = base
    bad_header = _csv([["FAQ-ID", "質問", "回答(ja)"], ["X-1", "q", "a"]])
    report = csvio.faq_import(actor=editor, center=center, data=bad_header)
    assert [(p.row, p.column, p.column_number) for p in report.errors[:1]] == [(1, "質問", 2)]
    dupes = _csv([["FAQ-ID", "質問(ja)", "回答(ja)"], ["X-1", "q", "a"], ["X-1", "q", "b"]])
    report = csvio.faq_import(actor=editor, center=center, data=dupes)
    assert [str(p) for p in report.errors] == [
        "3行目 1列目「FAQ-ID」: FAQ-ID「X-1」が2行目と重複しています。"
    ]
    assert not Faq.objects.filter(code="X-1").exists()
    report = csvio.faq_import(actor=editor, center=center, data=b"\xff\xfe\x00garbage\x81")
    assert report.errors and "文字コード" in report.errors[0].message


def test_dry_run_reports_but_changes_nothing(base) -> None:
    center, editor = base
    rows = _table(csvio.export_csv(actor=editor, center=center))
    rows[1][rows[0].index("質問(ja)")] = "新しい質問"
    rows.append(["FAQ-200"] + [""] * (len(rows[0]) - 1))
    rows[-1][rows[0].index("質問(ja)")] = "新規"
    rows[-1][rows[0].index("回答(ja)")] = "新規の回答"
    report = csvio.faq_import(actor=editor, center=center, data=_csv(rows), dry_run=True)
    assert (report.errors, report.created, report.updated, report.applied) == ([], 1, 1, False)
    assert not Faq.objects.filter(code="FAQ-200").exists()
    assert Faq.objects.get(code="FAQ-001").version == 1


def test_related_faqs_may_point_to_rows_created_in_the_same_file(base) -> None:
    center, editor = base
    rows = [
        ["FAQ-ID", "質問(ja)", "回答(ja)", "関連FAQ"],
        ["N-1", "q1", "a1", "N-2;FAQ-001"],
        ["N-2", "q2", "a2", ""],
    ]
    report = csvio.faq_import(actor=editor, center=center, data=_csv(rows))
    assert report.errors == []
    assert sorted(Faq.objects.get(code="N-1").related.values_list("code", flat=True)) == [
        "FAQ-001",
        "N-2",
    ]


def test_only_editors_import(base) -> None:
    center, _editor = base
    operator = MembershipFactory.create(center=center, role=Role.OPERATOR).user
    with pytest.raises(KnowledgeError, match="権限"):
        csvio.faq_import(actor=operator, center=center, data=b"FAQ-ID\r\n")


def test_commands_round_trip(base, tmp_path: Path, capsys) -> None:
    out = tmp_path / "faq.csv"
    call_command("faq_export", "--center", "iwaki-test", "--out", str(out))
    assert "5 件" in capsys.readouterr().out
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    call_command("faq_import", "--center", "iwaki-test", str(out), "--dry-run")
    assert "変更なし 5 件" in capsys.readouterr().out
    broken = tmp_path / "broken.csv"
    broken.write_bytes(_csv([["FAQ-ID", "質問(ja)", "回答(ja)"], ["", "q", "a"]]))
    with pytest.raises(CommandError, match="何も変更していません"):
        call_command("faq_import", "--center", "iwaki-test", str(broken))
    assert "2行目 1列目「FAQ-ID」" in capsys.readouterr().err
    xlsx = tmp_path / "faq.xlsx"
    call_command("faq_export", "--center", "iwaki-test", "--format", "xlsx", "--out", str(xlsx))
    assert xlsx.read_bytes()[:2] == b"PK"
